// Conditions every write of the portal shares: the acting member unchanged since read, and the error when a member changed first.
import type { Member } from "../domain/organization";
import { concurrentChange } from "../errors";
import { keys } from "./keys";
import type { TransactItem } from "./transact";

/** Another change to the members read (or the acting member) landed first. */
export const membersChanged = () => concurrentChange("These members");

/** The acting member must be unchanged since their authority was judged on a read of them. */
export function actorUnchanged(
  tableName: string,
  orgId: string,
  actor: Pick<Member, "userId" | "version">,
): TransactItem {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: keys.member(orgId, actor.userId),
      ConditionExpression: "version = :v",
      ExpressionAttributeValues: { ":v": actor.version },
    },
  };
}

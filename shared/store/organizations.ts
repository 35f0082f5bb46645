// DynamoDB repository of organisations and their members.
import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { Member, Organization } from "../domain/organization";
import { batchGet, cancellationReasons, strip, type TableRef } from "./dynamo";
import { keys } from "./keys";

export interface OrganizationStore {
  /** Creates the organisation with its creator as Administrator; answers the existing one when the id is already taken. */
  create(org: Organization, administrator: Member): Promise<{ org: Organization; created: boolean }>;
  /** The organisation and the caller's membership in one strongly consistent request. */
  getWithMember(orgId: string, userId: string): Promise<{ org?: Organization; member?: Member }>;
}

export class DynamoOrganizationStore implements OrganizationStore {
  constructor(private readonly table: TableRef) {}

  async create(org: Organization, administrator: Member) {
    try {
      await this.table.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table.tableName,
                Item: { ...keys.org(org.id), ...org },
                ConditionExpression: "attribute_not_exists(pk)",
                ReturnValuesOnConditionCheckFailure: "ALL_OLD",
              },
            },
            {
              Put: {
                TableName: this.table.tableName,
                Item: {
                  ...keys.member(org.id, administrator.userId),
                  ...keys.userOrgs(administrator.userId, org.id),
                  ...administrator,
                },
              },
            },
          ],
        }),
      );
      return { org, created: true };
    } catch (error) {
      const existing = cancellationReasons(error)?.[0];
      if (existing?.Code === "ConditionalCheckFailed" && existing.Item) {
        return { org: strip<Organization>(existing.Item)!, created: false };
      }
      throw error;
    }
  }

  async getWithMember(orgId: string, userId: string) {
    const items = await batchGet(this.table, [keys.org(orgId), keys.member(orgId, userId)]);
    const org = items.find((i) => i.sk === "ORG");
    const member = items.find((i) => i.sk !== "ORG");
    return { org: strip<Organization>(org), member: strip<Member>(member) };
  }
}

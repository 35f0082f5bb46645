// DynamoDB repository of invitations by e-mail (written by the organisation store's invite): a page of an organisation's invitations, a withdrawal, and the deletes a member's removal adds.
import type { ChangeBy } from "../domain/audit";
import { auditPut, invitationWithdrawn } from "./audit";
import type { Invitation, Member } from "../domain/organization";
import { strip, type TableRef } from "./dynamo";
import { keys } from "./keys";
import { actorUnchanged, membersChanged } from "./organizations";
import { decodeCursor, encodeCursor, type Page } from "./page";
import { queryPrefix, type PageRequest } from "./partition";
import { tableShape } from "./table";
import { itemReader, mapReader, type Reader } from "./together";
import { transactOrExplain } from "./transact";

function invitationFromItem(item: Record<string, unknown>): Invitation {
  const { [tableShape.timeToLive]: _purgeAt, ...rest } = strip<Record<string, unknown>>(item)!;
  return rest as unknown as Invitation;
}

export interface InvitationStore {
  /** The invitation to `email`, to read in the same request as the caller's membership. */
  invitation(orgId: string, email: string): Reader<Invitation | undefined>;
  /** One strongly consistent page of the organisation's invitations, expired ones included (the rule is the caller's). */
  list(orgId: string, page: PageRequest): Promise<Page<Invitation>>;
  /**
   * Withdraws the invitation as read, while the actor is unchanged: one transaction. `ConcurrentChange`
   * when it was taken, withdrawn or made again in between (read again: it may be gone).
   */
  withdraw(actor: Member, invitation: Invitation, by: ChangeBy): Promise<void>;
}

export class DynamoInvitationStore implements InvitationStore {
  constructor(private readonly table: TableRef) {}

  invitation(orgId: string, email: string) {
    // The TTL attribute is storage, not part of the invitation.
    return mapReader(itemReader<Record<string, unknown>>(keys.invitation(orgId, email)), (item) =>
      item ? invitationFromItem(item) : undefined,
    );
  }

  async list(orgId: string, page: PageRequest): Promise<Page<Invitation>> {
    const { pk } = keys.org(orgId);
    const start = decodeCursor(page.cursor, { pk }, { name: "sk", prefix: keys.invitationPrefix });
    const { items, lastKey } = await queryPrefix(this.table, pk, keys.invitationPrefix, { limit: page.limit, start });
    return { items: items.map(invitationFromItem), next: encodeCursor(lastKey) };
  }

  async withdraw(actor: Member, invitation: Invitation, by: ChangeBy) {
    await transactOrExplain(
      this.table,
      [
        {
          Delete: {
            TableName: this.table.tableName,
            Key: keys.invitation(invitation.orgId, invitation.email),
            // The invitation read, not one accepted, withdrawn or made again since.
            ConditionExpression: "invitedAt = :invitedAt",
            ExpressionAttributeValues: { ":invitedAt": invitation.invitedAt },
          },
        },
        actorUnchanged(this.table.tableName, invitation.orgId, actor),
        auditPut(this.table.tableName, by, invitationWithdrawn(invitation)),
      ],
      () => membersChanged(),
    );
  }
}

// DynamoDB repository of invitations by e-mail (written by the organisation store's invite): a page of an organisation's invitations, a withdrawal, and the deletes a member's removal adds.
import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { Invitation, Member } from "../domain/organization";
import { cancellationReasons, strip, type TableRef, type TransactItem } from "./dynamo";
import { keys } from "./keys";
import { actorUnchanged, membersChanged } from "./organizations";
import { decodeCursor, encodeCursor, type Page } from "./page";
import { queryPrefix, type PageRequest } from "./partition";
import { tableShape } from "./table";

function invitationFromItem(item: Record<string, unknown>): Invitation {
  const { [tableShape.timeToLive]: _ttl, ...rest } = strip<Record<string, unknown>>(item)!;
  return rest as unknown as Invitation;
}

export interface InvitationStore {
  /** The invitation's key, to read it in the same request as the caller's membership. */
  invitationKey(orgId: string, email: string): Record<string, unknown>;
  /** The invitation in an item read that way, if it is one. */
  invitationFromItem(item: Record<string, unknown> | undefined): Invitation | undefined;
  /** One strongly consistent page of the organisation's invitations, expired ones included (the rule is the caller's). */
  list(orgId: string, page: PageRequest): Promise<Page<Invitation>>;
  /**
   * Withdraws the invitation as read, while the actor is unchanged: one transaction. `ConcurrentChange`
   * when it was taken, withdrawn or made again in between (read again: it may be gone).
   */
  withdraw(actor: Member, invitation: Invitation): Promise<void>;
  /** The deletes that withdraw invitations to these addresses (nothing happens where there is none), for another transaction. */
  withdrawalItems(orgId: string, emails: string[]): TransactItem[];
}

export class DynamoInvitationStore implements InvitationStore {
  constructor(private readonly table: TableRef) {}

  invitationKey(orgId: string, email: string) {
    return keys.invitation(orgId, email);
  }

  invitationFromItem(item: Record<string, unknown> | undefined) {
    return item && String(item.sk).startsWith(keys.invitationPrefix) ? invitationFromItem(item) : undefined;
  }

  async list(orgId: string, page: PageRequest): Promise<Page<Invitation>> {
    const { pk } = keys.org(orgId);
    const start = decodeCursor(page.cursor, { pk }, { name: "sk", prefix: keys.invitationPrefix });
    const { items, lastKey } = await queryPrefix(this.table, pk, keys.invitationPrefix, { limit: page.limit, start });
    return { items: items.map(invitationFromItem), next: encodeCursor(lastKey) };
  }

  async withdraw(actor: Member, invitation: Invitation) {
    try {
      await this.table.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
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
          ],
        }),
      );
    } catch (error) {
      if (cancellationReasons(error)) throw membersChanged();
      throw error;
    }
  }

  withdrawalItems(orgId: string, emails: string[]): TransactItem[] {
    return emails.map((email) => ({ Delete: { TableName: this.table.tableName, Key: keys.invitation(orgId, email) } }));
  }
}

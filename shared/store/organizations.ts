// DynamoDB repository of organisations, their members and the subscription; the last-manager rule lives in its conditions.
import { QueryCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Invitation, Member, Organization, Subscription } from "../domain/organization";
import { changeSubscription } from "../domain/subscription";
import {
  concurrentChange,
  invitationExists,
  lastSubscriptionManager,
  memberExists,
  subscriptionCancelled,
  type AppError,
} from "../errors";
import {
  atPositions,
  batchGet,
  cancellationReasons,
  isConditionFailure,
  strip,
  transactOrFalse,
  type TableRef,
  type TransactItem,
} from "./dynamo";
import { keys } from "./keys";
import { decodeCursor, encodeCursor, type Page } from "./page";
import { batchGetMany } from "./partition";
import { expiring } from "./table";

/** A change to one member, with the member as it was read: the write is conditioned on that version. */
export type MemberOp =
  | { kind: "add"; member: Member }
  | { kind: "update"; before: Member; after: Member }
  | { kind: "remove"; before: Member };

export interface OrganizationStore {
  /** Creates the organisation with its creator as Administrator; answers the existing one when the id is already taken. */
  create(org: Organization, administrator: Member): Promise<{ org: Organization; created: boolean }>;
  /** The organisation and the caller's membership (and an invitation to their address) in one strongly consistent request. */
  getWithMember(
    orgId: string,
    userId: string,
    email?: string,
    also?: Record<string, unknown>[],
  ): Promise<{ org?: Organization; member?: Member; invitation?: Invitation; also: Record<string, unknown>[] }>;
  /** Records an invitation by e-mail; 409 InvitationExists when that address is already invited. */
  invite(actor: Member, invitation: Invitation): Promise<void>;
  /** Turns the invitation into the member, once: false when someone else accepted or withdrew it first. */
  acceptInvitation(invitation: Invitation, member: Member): Promise<boolean>;
  getMembers(orgId: string, userIds: string[]): Promise<Member[]>;
  /** Records the member's verified address (one UpdateItem; the member's version does not move: no rule reads it). Nothing when they are gone. */
  recordVerifiedEmail(orgId: string, userId: string, email: string): Promise<void>;
  /** A member's key, to read them in the same request as the caller's membership. */
  memberKey(orgId: string, userId: string): Record<string, unknown>;
  /** The member in an item read that way, if it is one. */
  memberFromItem(item: Record<string, unknown>): Member | undefined;
  listMembers(orgId: string, limit: number, cursor?: string): Promise<Page<Member>>;
  /**
   * Applies member changes in one transaction with the Subscription Manager count, conditioned on
   * the actor's and every member's version as read. Throws `LastSubscriptionManager`, `MemberExists`
   * or `ConcurrentChange` (retry with a fresh read). `extra` items (written by another store, e.g. a
   * removed member leaving their teams) go into the same transaction; their failure is a
   * `ConcurrentChange` too. At most `MEMBER_WRITE_OWN_ITEMS` items besides `extra` for one op.
   */
  writeMembers(
    orgId: string,
    actor: Member,
    ops: MemberOp[],
    managerDelta: number,
    extra?: TransactItem[],
  ): Promise<void>;
  /**
   * Changes the subscription as read (`before`) unless it is cancelled; the actor must be unchanged
   * since read. Answers the subscription written: conditioned on `before`, it is exactly `before` plus
   * the change, so no read follows. A change in between is a `ConcurrentChange` (retry with a fresh read).
   */
  updateSubscription(
    orgId: string,
    actor: Member,
    before: Subscription,
    change: { addCredits?: number; status?: Subscription["status"] },
    now: Date,
  ): Promise<Subscription>;
}

/** The items `writeMembers` adds for one member op: the op, the actor's check and the manager count. */
export const MEMBER_WRITE_OWN_ITEMS = 3;

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
            { Put: { TableName: this.table.tableName, Item: this.memberItem(administrator) } },
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

  async getWithMember(orgId: string, userId: string, email?: string, also: Record<string, unknown>[] = []) {
    const own = [keys.org(orgId), keys.member(orgId, userId), ...(email ? [keys.invitation(orgId, email)] : [])];
    // Usually one request; a list page read with the membership may need a second one past 100 keys.
    const items = await batchGetMany(this.table, [...own, ...also]);
    const find = (key: { pk: string; sk: string }) => items.find((i) => i.pk === key.pk && i.sk === key.sk);
    return {
      org: strip<Organization>(find(keys.org(orgId))),
      member: strip<Member>(find(keys.member(orgId, userId))),
      invitation: email ? strip<Invitation>(find(keys.invitation(orgId, email))) : undefined,
      // Items the caller's request names inside the organisation, read in the same request.
      also: atPositions(also, items).filter((i): i is Record<string, unknown> => !!i),
    };
  }

  async invite(actor: Member, invitation: Invitation) {
    try {
      await this.table.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table.tableName,
                Item: expiring(
                  { ...keys.invitation(invitation.orgId, invitation.email), ...invitation },
                  invitation.expiresAt,
                ),
                // An expired invitation DynamoDB's TTL has not removed yet is replaced, as if it were gone.
                ConditionExpression: "attribute_not_exists(pk) OR expiresAt <= :now",
                ExpressionAttributeValues: { ":now": invitation.invitedAt },
              },
            },
            actorUnchanged(this.table.tableName, invitation.orgId, actor),
          ],
        }),
      );
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons?.[0]?.Code === "ConditionalCheckFailed") throw invitationExists(invitation.email);
      if (reasons) throw membersChanged();
      throw error;
    }
  }

  async acceptInvitation(invitation: Invitation, member: Member) {
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.table.tableName,
          Item: this.memberItem(member),
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      {
        Delete: {
          TableName: this.table.tableName,
          Key: keys.invitation(invitation.orgId, invitation.email),
          // The very invitation read: not one withdrawn and made again (with another role) in between.
          ConditionExpression: "invitedAt = :invitedAt",
          ExpressionAttributeValues: { ":invitedAt": invitation.invitedAt },
        },
      },
    ];
    if (member.role === "SubscriptionManager") {
      items.push({
        Update: {
          TableName: this.table.tableName,
          Key: keys.org(member.orgId),
          UpdateExpression: "ADD managerCount :one",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":one": 1 },
        },
      });
    }
    return transactOrFalse(this.table, items);
  }

  memberKey(orgId: string, userId: string) {
    return keys.member(orgId, userId);
  }

  memberFromItem(item: Record<string, unknown>) {
    return String(item.sk).startsWith(keys.memberPrefix) ? strip<Member>(item) : undefined;
  }

  async recordVerifiedEmail(orgId: string, userId: string, email: string) {
    try {
      await this.table.ddb.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: keys.member(orgId, userId),
          UpdateExpression: "SET verifiedEmail = :email",
          // A removed member is not brought back as a bare item.
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":email": email },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async getMembers(orgId: string, userIds: string[]) {
    const items = await batchGet(
      this.table,
      userIds.map((u) => keys.member(orgId, u)),
    );
    return items.map((i) => strip<Member>(i)!);
  }

  async listMembers(orgId: string, limit: number, cursor?: string): Promise<Page<Member>> {
    const partition = { pk: keys.org(orgId).pk };
    const out = await this.table.ddb.send(
      new QueryCommand({
        TableName: this.table.tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": partition.pk, ":prefix": keys.memberPrefix },
        ConsistentRead: true,
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor, partition, { name: "sk", prefix: keys.memberPrefix }),
      }),
    );
    return { items: (out.Items ?? []).map((i) => strip<Member>(i)!), next: encodeCursor(out.LastEvaluatedKey) };
  }

  async writeMembers(orgId: string, actor: Member, ops: MemberOp[], managerDelta: number, extra: TransactItem[] = []) {
    const table = this.table.tableName;
    const items: TransactItem[] = [];
    const meaning: ("member-new" | "member" | "org" | "actor" | "extra")[] = [];

    for (const op of ops) {
      if (op.kind === "add") {
        items.push({
          Put: { TableName: table, Item: this.memberItem(op.member), ConditionExpression: "attribute_not_exists(pk)" },
        });
        meaning.push("member-new");
      } else if (op.kind === "update") {
        items.push({
          Put: {
            TableName: table,
            Item: this.memberItem(op.after),
            ConditionExpression: "version = :v",
            ExpressionAttributeValues: { ":v": op.before.version },
          },
        });
        meaning.push("member");
      } else {
        items.push({
          Delete: {
            TableName: table,
            Key: keys.member(orgId, op.before.userId),
            ConditionExpression: "version = :v",
            ExpressionAttributeValues: { ":v": op.before.version },
          },
        });
        meaning.push("member");
      }
    }
    // The actor's authority was judged on this read of their membership: it must still stand.
    const actorTouched = ops.some((op) => op.kind !== "add" && op.before.userId === actor.userId);
    if (!actorTouched) {
      items.push(actorUnchanged(table, orgId, actor));
      meaning.push("actor");
    }
    if (managerDelta !== 0) {
      // Rule: there is always at least one Subscription Manager.
      items.push({
        Update: {
          TableName: table,
          Key: keys.org(orgId),
          UpdateExpression: "ADD managerCount :d",
          ConditionExpression: "managerCount >= :min",
          ExpressionAttributeValues: { ":d": managerDelta, ":min": Math.max(1, 1 - managerDelta) },
        },
      });
      meaning.push("org");
    }
    for (const item of extra) {
      items.push(item);
      meaning.push("extra");
    }

    try {
      await this.table.ddb.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      throw this.explain(
        reasons.map((r, i) => ({ code: r.Code, meaning: meaning[i] })),
        ops,
      );
    }
  }

  private explain(reasons: { code?: string; meaning?: string }[], ops: MemberOp[]): AppError {
    const failed = reasons.filter((r) => r.code && r.code !== "None");
    // A conflict with another transaction in flight says nothing about the rules: retry.
    if (failed.some((r) => r.code === "TransactionConflict")) return membersChanged();
    if (failed.some((r) => r.meaning === "org")) {
      return lastSubscriptionManager();
    }
    const added = ops.find((op) => op.kind === "add");
    if (added && failed.some((r) => r.meaning === "member-new")) {
      return memberExists(added.member.userId);
    }
    return membersChanged();
  }

  async updateSubscription(
    orgId: string,
    actor: Member,
    before: Subscription,
    change: { addCredits?: number; status?: Subscription["status"] },
    now: Date,
  ) {
    // Rule (domain/subscription.ts): a cancelled subscription stays cancelled; the read was consistent.
    const after = changeSubscription(before, change, now);
    try {
      await this.table.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table.tableName,
                Key: keys.org(orgId),
                UpdateExpression: "SET subscription = :after",
                // The subscription is still the one read (so not cancelled): the answer is what was written.
                ConditionExpression:
                  "subscription.#status = :status AND subscription.credits = :credits AND subscription.updatedAt = :updatedAt",
                ExpressionAttributeNames: { "#status": "status" },
                ExpressionAttributeValues: {
                  ":after": after,
                  ":status": before.status,
                  ":credits": before.credits,
                  ":updatedAt": before.updatedAt,
                },
                ReturnValuesOnConditionCheckFailure: "ALL_OLD",
              },
            },
            actorUnchanged(this.table.tableName, orgId, actor),
          ],
        }),
      );
    } catch (error) {
      const reasons = cancellationReasons(error);
      const current = strip<Organization>(reasons?.[0]?.Item);
      if (reasons?.[0]?.Code === "ConditionalCheckFailed" && current?.subscription.status === "cancelled")
        throw subscriptionCancelled();
      if (reasons) throw membersChanged();
      throw error;
    }
    return after;
  }

  private memberItem(member: Member) {
    return { ...keys.member(member.orgId, member.userId), ...keys.userOrgs(member.userId, member.orgId), ...member };
  }
}

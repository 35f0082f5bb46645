// DynamoDB repository of organisations, their members and the subscription; the last-manager rule lives in its conditions.
import { QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { ChangeBy } from "../domain/audit";
import type { Receipt } from "../domain/idempotency";
import type { Invitation, Member, Organization, Subscription } from "../domain/organization";
import { changeSubscription } from "../domain/subscription";
import {
  invitationExists,
  lastSubscriptionManager,
  memberExists,
  subscriptionCancelled,
  type AppError,
} from "../errors";
import { batchGet, isConditionFailure, strip, type TableRef } from "./dynamo";
import { itemReader, mapReader, nothing, readAll, readTogether, type Reader, type Readers } from "./together";
import { failedAt, transactOrExplain, transactOrFalse, transactRaw, type TransactItem } from "./transact";
import { ReceiptTaken, withReceipt } from "./idempotency";
import { auditPut, invitationAccepted, invitationCreated, memberChange } from "./audit";
import { keys } from "./keys";
import { actorUnchanged, membersChanged } from "./member-checks";
import { expiring } from "./table";
import { decodeCursor, encodeCursor, type Page } from "./page";

/** A change to one member, with the member as it was read: the write is conditioned on that version. */
export type MemberOp =
  | { kind: "add"; member: Member }
  | { kind: "update"; before: Member; after: Member }
  | { kind: "remove"; before: Member };

export interface OrganizationStore {
  /** Creates the organisation with its creator as Administrator; answers the existing one when the id is already taken. */
  create(org: Organization, administrator: Member): Promise<{ org: Organization; created: boolean }>;
  /** The organisation and the caller's membership (and an invitation to their address) in one strongly consistent request. */
  getWithMember<T extends readonly unknown[] = []>(
    orgId: string,
    userId: string,
    email?: string,
    also?: Readers<T>,
  ): Promise<{ org?: Organization; member?: Member; invitation?: Invitation; also: T }>;
  /** Records an invitation by e-mail; 409 InvitationExists when that address is already invited. */
  invite(actor: Member, invitation: Invitation, receipt?: Receipt): Promise<void>;
  /** Turns the invitation into the member, once: false when someone else accepted or withdrew it first. */
  acceptInvitation(invitation: Invitation, member: Member): Promise<boolean>;
  getMembers(orgId: string, userIds: string[]): Promise<Member[]>;
  /** Records the member's verified address (one UpdateItem; the member's version does not move: no rule reads it). Nothing when they are gone. */
  recordVerifiedEmail(orgId: string, userId: string, email: string, issuedAt: Date): Promise<void>;
  /** The members of `userIds` that exist, to read in the same request as the caller's membership. */
  members(orgId: string, userIds: string[]): Reader<Member[]>;
  listMembers(orgId: string, limit: number, cursor?: string): Promise<Page<Member>>;
  /**
   * Applies member changes in one transaction with the Subscription Manager count, conditioned on
   * the actor's and every member's version as read. Throws `LastSubscriptionManager`, `MemberExists`
   * or `ConcurrentChange` (retry with a fresh read). `receipt` (an Idempotency-Key's answer) is written in the
   * same transaction; ReceiptTaken when one is kept. So is the change's audit entry (`by` the actor).
   */
  writeMembers(
    orgId: string,
    actor: Member,
    ops: MemberOp[],
    delta: number,
    by: ChangeBy,
    receipt?: Receipt,
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

/** The items `writeMembers` adds for one member op: the op, the actor's check, the manager count and the audit entry. */
export const MEMBER_WRITE_OWN_ITEMS = 4;

export { actorUnchanged, membersChanged } from "./member-checks";

export class DynamoOrganizationStore implements OrganizationStore {
  constructor(private readonly table: TableRef) {}

  async create(org: Organization, administrator: Member) {
    const refused = await transactRaw(this.table, [
      {
        Put: {
          TableName: this.table.tableName,
          Item: { ...keys.org(org.id), ...org },
          ConditionExpression: "attribute_not_exists(pk)",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      },
      { Put: { TableName: this.table.tableName, Item: this.memberItem(administrator) } },
    ]);
    if (!refused) return { org, created: true };
    const existing = refused.reasons[0];
    if (existing?.Code === "ConditionalCheckFailed" && existing.Item) {
      return { org: strip<Organization>(existing.Item)!, created: false };
    }
    throw refused.error;
  }

  async getWithMember<T extends readonly unknown[] = []>(
    orgId: string,
    userId: string,
    email?: string,
    also: Readers<T> = [] as unknown as Readers<T>,
  ) {
    // Usually one request; a list page read with the membership may need a second one past 100 keys.
    const [org, member, invitation, ...rest] = await readTogether<[Organization?, Member?, Invitation?, ...T]>(
      this.table,
      itemReader<Organization>(keys.org(orgId)),
      itemReader<Member>(keys.member(orgId, userId)),
      email ? itemReader<Invitation>(keys.invitation(orgId, email)) : nothing,
      ...also,
    );
    // What the caller's request names inside the organisation, read in the same request.
    return { org, member, invitation, also: rest as unknown as T };
  }

  async invite(actor: Member, invitation: Invitation, receipt?: Receipt) {
    const by = { userId: invitation.invitedBy, at: invitation.invitedAt };
    const { items, refused } = withReceipt(
      this.table.tableName,
      [
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
        auditPut(this.table.tableName, by, invitationCreated(invitation)),
      ],
      receipt,
    );
    await transactOrExplain(this.table, items, (reasons) =>
      refused(reasons)
        ? new ReceiptTaken()
        : failedAt(reasons, 0)
          ? invitationExists(invitation.email)
          : membersChanged(),
    );
  }

  async acceptInvitation(invitation: Invitation, member: Member) {
    const by = { userId: member.userId, at: member.addedAt };
    const items: TransactItem[] = [
      auditPut(this.table.tableName, by, invitationAccepted(invitation, member)),
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

  members(orgId: string, userIds: string[]): Reader<Member[]> {
    return mapReader(readAll(userIds.map((u) => itemReader<Member>(keys.member(orgId, u)))), (found) =>
      found.filter((m): m is Member => m !== undefined),
    );
  }

  async recordVerifiedEmail(orgId: string, userId: string, email: string, issuedAt: Date) {
    try {
      await this.table.ddb.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: keys.member(orgId, userId),
          UpdateExpression: "SET verifiedEmail = :email, verifiedEmailIssuedAt = :issued",
          // A removed member is not brought back as a bare item, and an older token never overwrites a newer one's
          // address (ISO instants of one format compare as strings).
          ConditionExpression:
            "attribute_exists(pk) AND (attribute_not_exists(verifiedEmailIssuedAt) OR verifiedEmailIssuedAt <= :issued)",
          ExpressionAttributeValues: { ":email": email, ":issued": issuedAt.toISOString() },
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

  /** `extra` items (another part's writes, e.g. leaving the teams) go into the same transaction; their failure is a ConcurrentChange. */
  async writeMembers(
    orgId: string,
    actor: Member,
    ops: MemberOp[],
    managerDelta: number,
    by: ChangeBy,
    receipt?: Receipt,
    extra: TransactItem[] = [],
  ) {
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
    // The audit entry is unconditional: it never explains a cancellation.
    for (const item of [...extra, auditPut(table, by, memberChange(orgId, ops))]) {
      items.push(item);
      meaning.push("extra");
    }

    const written = withReceipt(table, items, receipt);
    await transactOrExplain(this.table, written.items, (reasons) =>
      written.refused(reasons)
        ? new ReceiptTaken()
        : this.explain(
            reasons.map((r, i) => ({ code: r.Code, meaning: meaning[i] })),
            ops,
          ),
    );
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
    await transactOrExplain(
      this.table,
      [
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
      (reasons) => {
        const current = strip<Organization>(reasons[0]?.Item);
        if (failedAt(reasons, 0) && current?.subscription.status === "cancelled") return subscriptionCancelled();
        return membersChanged();
      },
    );
    return after;
  }

  private memberItem(member: Member) {
    return { ...keys.member(member.orgId, member.userId), ...keys.userOrgs(member.userId, member.orgId), ...member };
  }
}

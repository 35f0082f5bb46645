// The audit trail: the one builder of an entry's Put (added by each store to the transaction of the change it records) and the two reads.
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { itwinOfImodel, orgOfItwin } from "../child-ids";
import { config } from "../config";
import { auditExpiry, auditHorizon, type AuditChange, type AuditEntry, type ChangeBy } from "../domain/audit";
import type { AccessEntry, Imodel } from "../domain/imodel";
import type { CustomRole, Itwin, TeamMember } from "../domain/itwin";
import type { Invitation, Member } from "../domain/organization";
import type { Connection } from "../domain/connection";
import type { Application } from "../domain/application";
import { newId } from "../ids";
import type { TableRef } from "./dynamo";
import { keys } from "./keys";
import { decodeCursor, encodeCursor, type Page } from "./page";
import { tableShape } from "./table";
import type { TransactItem } from "./transact";
import type { PageRequest } from "./partition";

/** Days an entry is kept (a setting): DynamoDB's TTL removes it after them, and reads stop showing it at once. */
export const AUDIT_RETENTION_DAYS = config.AUDIT_RETENTION_DAYS;

/**
 * The Put of one audit entry, for the transaction that makes the change: it is written exactly when the
 * change is (a refused condition cancels both), never lost and never made up. Unconditional (its id is
 * new), so it never explains a cancellation: stores keep reading the reasons of their own items by index.
 * One write unit more than the change alone (a transaction's items cost two each): the cost of a trail
 * nobody can lose. An iModel's entry also carries gsi1 keys: the index copy is the iModel's trail.
 */
export function auditPut(tableName: string, by: ChangeBy, change: AuditChange): TransactItem {
  const id = newId("aud");
  const expiresAt = auditExpiry(by.at, AUDIT_RETENTION_DAYS);
  const entry: AuditEntry = {
    id,
    actorId: by.userId,
    at: by.at,
    ...change,
    expiresAt: expiresAt.toISOString(),
  };
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.auditEntry(change.orgId, by.at, id),
        ...(change.imodelId ? keys.auditOfImodelEntry(change.imodelId, by.at, id) : {}),
        ...entry,
        // DynamoDB's TTL attribute, in epoch seconds (shared/store/table.ts).
        [tableShape.timeToLive]: Math.floor(expiresAt.getTime() / 1000),
      },
    },
  };
}

// What each kind of change records: built by the store from the items it writes, so a use case passes only who acted.

const memberState = (m: Pick<Member, "role" | "coAdministrator">) => ({
  role: m.role,
  coAdministrator: m.coAdministrator,
});

/** A change of organisation members, as `writeMembers` applies it (one entry for the whole transaction). */
export function memberChange(
  orgId: string,
  ops: (
    | { kind: "add"; member: Member }
    | { kind: "update"; before: Member; after: Member }
    | { kind: "remove"; before: Member }
  )[],
): AuditChange {
  const [first] = ops;
  if (ops.length === 1 && first) {
    if (first.kind === "add")
      return {
        action: "member.added",
        orgId,
        target: { type: "member", id: first.member.userId },
        before: null,
        after: memberState(first.member),
      };
    if (first.kind === "update")
      return {
        action: "member.changed",
        orgId,
        target: { type: "member", id: first.before.userId },
        before: memberState(first.before),
        after: memberState(first.after),
      };
    return {
      action: "member.removed",
      orgId,
      target: { type: "member", id: first.before.userId },
      before: memberState(first.before),
      after: null,
    };
  }
  // Many members in one transaction (all or nothing): one entry listing each of them.
  const removal = ops.every((op) => op.kind === "remove");
  const listed = (pick: (op: (typeof ops)[number]) => Pick<Member, "role" | "coAdministrator"> | undefined) =>
    ops.map((op) => {
      const state = pick(op);
      return { userId: op.kind === "add" ? op.member.userId : op.before.userId, ...(state ? memberState(state) : {}) };
    });
  return {
    action: removal ? "members.removed" : "members.roleAssigned",
    orgId,
    target: { type: "members", id: orgId },
    before: { members: listed((op) => (op.kind === "add" ? undefined : op.before)) },
    after: removal
      ? null
      : { members: listed((op) => (op.kind === "add" ? op.member : op.kind === "update" ? op.after : undefined)) },
  };
}

const invitationState = (i: Invitation) => ({ email: i.email, role: i.role, coAdministrator: i.coAdministrator });

export const invitationCreated = (i: Invitation): AuditChange => ({
  action: "invitation.created",
  orgId: i.orgId,
  target: { type: "invitation", id: i.email },
  before: null,
  after: invitationState(i),
});

/** The invitee's first request with the invited address turned the invitation into a membership. */
export const invitationAccepted = (i: Invitation, member: Member): AuditChange => ({
  action: "invitation.accepted",
  orgId: i.orgId,
  target: { type: "member", id: member.userId },
  before: invitationState(i),
  after: memberState(member),
});

export const invitationWithdrawn = (i: Invitation): AuditChange => ({
  action: "invitation.withdrawn",
  orgId: i.orgId,
  target: { type: "invitation", id: i.email },
  before: invitationState(i),
  after: null,
});

const teamState = (m: TeamMember) => ({ roles: m.roles, permissions: m.permissions });

/** A team member (or, in a Test iTwin, a participant) added, changed or removed. */
export function teamMemberChange(
  itwin: Itwin,
  before: TeamMember | undefined,
  after: TeamMember | undefined,
): AuditChange {
  const test = itwin.kind === "test";
  const verb = !before ? "added" : !after ? "removed" : "changed";
  return {
    action: `${test ? "participant" : "teamMember"}.${verb}` as AuditChange["action"],
    orgId: itwin.orgId,
    itwinId: itwin.id,
    target: { type: test ? "participant" : "teamMember", id: (before ?? after)!.userId },
    before: before ? teamState(before) : null,
    after: after ? teamState(after) : null,
  };
}

export function customRoleChange(
  orgId: string,
  before: CustomRole | undefined,
  after: CustomRole | undefined,
): AuditChange {
  const role = (before ?? after)!;
  const state = (r: CustomRole) => ({ name: r.name, permissions: r.permissions });
  return {
    action: !before ? "customRole.created" : !after ? "customRole.deleted" : "customRole.changed",
    orgId,
    itwinId: role.itwinId,
    target: { type: "customRole", id: role.id },
    before: before ? state(before) : null,
    after: after ? state(after) : null,
  };
}

export const applicationOwners = (before: Application, after: Application): AuditChange => ({
  action: after.owners.length >= before.owners.length ? "applicationOwner.added" : "applicationOwner.removed",
  orgId: before.orgId,
  target: { type: "application", id: before.id },
  before: { owners: before.owners },
  after: { owners: after.owners },
});

const listState = (entries: readonly Pick<AccessEntry, "userId" | "roles">[] | null) =>
  entries ? { members: entries.map((e) => ({ userId: e.userId, roles: e.roles })) } : null;

/** An iModel's own list set (replacing `before`, null when it had none) or removed (`after` null). */
export function accessListChange(
  imodel: Imodel,
  before: readonly Pick<AccessEntry, "userId" | "roles">[] | null,
  after: readonly Pick<AccessEntry, "userId" | "roles">[] | null,
): AuditChange {
  return {
    action: after ? "accessList.set" : "accessList.removed",
    orgId: orgOfItwin(imodel.itwinId) ?? "",
    itwinId: imodel.itwinId,
    imodelId: imodel.id,
    target: { type: "accessList", id: imodel.id },
    before: listState(before),
    after: listState(after),
  };
}

const connectionState = (c: Connection) => ({
  ownerId: c.ownerId,
  schedule: c.schedule ?? null,
  ...(c.paused ? { paused: true } : {}),
});

/**
 * A connection created or deleted, or its owner or schedule changed; undefined when an update changed
 * neither (a rename or a file's version is not audited).
 */
export function connectionChange(
  before: Connection | undefined,
  after: Connection | undefined,
): AuditChange | undefined {
  const c = (after ?? before)!;
  const action = !before
    ? "connection.created"
    : !after
      ? "connection.deleted"
      : before.ownerId !== after.ownerId
        ? "connection.ownerChanged"
        : JSON.stringify(before.schedule ?? null) !== JSON.stringify(after.schedule ?? null)
          ? "connection.scheduleChanged"
          : !!before.paused !== !!after.paused
            ? after.paused
              ? "connection.paused"
              : "connection.resumed"
            : undefined;
  if (!action) return undefined;
  return {
    action,
    orgId: c.orgId ?? orgOfItwin(c.itwinId) ?? "",
    itwinId: c.itwinId,
    imodelId: c.imodelId,
    target: { type: "connection", id: c.id },
    before: before ? connectionState(before) : null,
    after: after ? connectionState(after) : null,
  };
}

/** Reads of the trail, newest first: an organisation's (every entry) and an iModel's (its entries, from gsi1). */
export interface AuditStore {
  listOfOrganization(orgId: string, page: PageRequest, now: Date): Promise<Page<AuditEntry>>;
  listOfImodel(imodelId: string, page: PageRequest, now: Date): Promise<Page<AuditEntry>>;
}

const entryOf = (item: Record<string, unknown>): AuditEntry => ({
  id: item.id as string,
  at: item.at as string,
  actorId: item.actorId as string,
  action: item.action as AuditEntry["action"],
  orgId: item.orgId as string,
  target: item.target as AuditEntry["target"],
  ...(item.itwinId ? { itwinId: item.itwinId as string } : {}),
  ...(item.imodelId ? { imodelId: item.imodelId as string } : {}),
  before: (item.before as AuditEntry["before"]) ?? null,
  after: (item.after as AuditEntry["after"]) ?? null,
  expiresAt: item.expiresAt as string,
});

export class DynamoAuditStore implements AuditStore {
  constructor(private readonly table: TableRef) {}

  /** One strongly consistent Query of the organisation's partition, newest first, from the retention horizon on. */
  async listOfOrganization(orgId: string, page: PageRequest, now: Date): Promise<Page<AuditEntry>> {
    const partition = keys.auditOfOrganization(orgId);
    const start = decodeCursor(page.cursor, partition, { name: "sk", prefix: keys.auditPrefix });
    const from = this.from(now);
    if (start && String(start.sk) <= from) return { items: [] };
    const out = await this.table.ddb.send(
      new QueryCommand({
        TableName: this.table.tableName,
        KeyConditionExpression: "pk = :pk AND sk > :from",
        ExpressionAttributeValues: { ":pk": partition.pk, ":from": from },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: page.limit,
        ExclusiveStartKey: start,
      }),
    );
    return { items: (out.Items ?? []).map(entryOf), next: encodeCursor(out.LastEvaluatedKey) };
  }

  /**
   * One Query of gsi1 (eventually consistent, as every index read: an entry shows there a moment after its
   * change). The cursor holds the base and index keys; both partitions are fixed by the iModel's id, so
   * a cursor of another trail is refused.
   */
  async listOfImodel(imodelId: string, page: PageRequest, now: Date): Promise<Page<AuditEntry>> {
    const index = keys.auditOfImodel(imodelId);
    const itwinId = itwinOfImodel(imodelId);
    const orgId = (itwinId && orgOfItwin(itwinId)) ?? "";
    const start = decodeCursor(
      page.cursor,
      { ...keys.auditOfOrganization(orgId), ...index },
      { name: "sk", prefix: keys.auditPrefix },
    );
    const from = this.from(now);
    if (start && String(start.sk) <= from) return { items: [] };
    const out = await this.table.ddb.send(
      new QueryCommand({
        TableName: this.table.tableName,
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :pk AND gsi1sk > :from",
        ExpressionAttributeValues: { ":pk": index.gsi1pk, ":from": from },
        ScanIndexForward: false,
        Limit: page.limit,
        // The index key repeats the base sort key: the cursor carries it once.
        ...(start ? { ExclusiveStartKey: { ...start, gsi1sk: start.sk } } : {}),
      }),
    );
    const last = out.LastEvaluatedKey;
    return {
      items: (out.Items ?? []).map(entryOf),
      next: encodeCursor(last && { pk: last.pk, gsi1pk: last.gsi1pk, sk: last.sk }),
    };
  }

  /**
   * The key the reads start after: nothing older than the retention is answered. A cursor at or below it
   * (its page aged past the horizon, or forged) is the end of the list: DynamoDB refuses a start key
   * outside the key condition.
   */
  private from(now: Date): string {
    return `${keys.auditPrefix}${auditHorizon(now, AUDIT_RETENTION_DAYS).toISOString()}`;
  }
}

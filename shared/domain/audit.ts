// The audit trail: who changed which role, membership, invitation, access list, owner or schedule, when, and from what to what.

/** Every kind of change the trail records, by what it changed; a reader filters on these names. */
export const auditActions = [
  "member.added",
  "member.changed",
  "member.removed",
  "members.roleAssigned",
  "members.removed",
  "invitation.created",
  "invitation.accepted",
  "invitation.withdrawn",
  "teamMember.added",
  "teamMember.changed",
  "teamMember.removed",
  "participant.added",
  "participant.removed",
  "customRole.created",
  "customRole.changed",
  "customRole.deleted",
  "applicationOwner.added",
  "applicationOwner.removed",
  "accessList.set",
  "accessList.removed",
  "connection.created",
  "connection.scheduleChanged",
  "connection.paused",
  "connection.resumed",
  "connection.ownerChanged",
  "connection.deleted",
] as const;

export type AuditAction = (typeof auditActions)[number];

/** What a change acted on: a member (user id), an invitation (address), an iModel's list (iModel id), ... */
export const auditTargetTypes = [
  "member",
  "members",
  "invitation",
  "teamMember",
  "participant",
  "customRole",
  "application",
  "accessList",
  "connection",
] as const;

export type AuditTargetType = (typeof auditTargetTypes)[number];

/** Who made a change and when: the verified caller of the request (or the invitee whose sign-in accepted an invitation). */
export interface ChangeBy {
  userId: string;
  at: string;
}

/** What changed, as the store describes it from the items it writes (before and after are plain JSON, null when absent). */
export interface AuditChange {
  action: AuditAction;
  orgId: string;
  target: { type: AuditTargetType; id: string };
  /** Set for a change inside an iTwin (team, Test iTwin participants, custom roles). */
  itwinId?: string;
  /** Set for a change of one iModel (its access list, its connections): the entry is also in that iModel's trail. */
  imodelId?: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export interface AuditEntry extends AuditChange {
  id: string;
  actorId: string;
  at: string;
  /** When DynamoDB's TTL removes the entry (`AUDIT_RETENTION_DAYS` after `at`). */
  expiresAt: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** When an entry made at `at` expires. */
export const auditExpiry = (at: string, retentionDays: number): Date =>
  new Date(new Date(at).getTime() + retentionDays * DAY_MS);

/**
 * The oldest moment a read still shows: DynamoDB's TTL removes an expired item within days, not at
 * once, so reads leave out what it has not removed yet.
 */
export const auditHorizon = (now: Date, retentionDays: number): Date =>
  new Date(now.getTime() - retentionDays * DAY_MS);

// An iModel, its per-iModel access list and the work it records: changesets, named versions, briefcases and locks.
import type { ItwinKind, TeamMember } from "./itwin";
import { effectivePermissions, type Permission } from "./permissions";

export interface Imodel {
  id: string;
  itwinId: string;
  /** The kind of the iTwin it lives in: per-iModel lists do not apply in Test iTwins. */
  itwinKind: ItwinKind;
  name: string;
  createdBy: string;
  createdAt: string;
  /** Changesets pushed so far; the next one gets index `changesetCount + 1`. */
  changesetCount: number;
  /** True while the iModel has its own access list; then only that list applies (but for delete). */
  ownAccessList: boolean;
  /** Bumped by every change of the list: entries of an older version are stale and ignored. */
  accessListVersion: number;
}

/** A list's entries, the iModel's version flip and the audit entry fit one transaction (100 actions), so a list switches atomically. */
export const MAX_LIST_ENTRIES = 98;

/** One user's entry in an iModel's own access list. */
export interface AccessEntry {
  imodelId: string;
  userId: string;
  roles: string[];
  /** The roles' permissions cut to View..Manage, fixed when the list is set. */
  permissions: Permission[];
  listVersion: number;
  grantedAt: string;
}

/** That a user worked with an iModel: written at most once per user, iModel and UTC day. */
export interface Interaction {
  imodelId: string;
  userId: string;
  firstAt: string;
  lastAt: string;
  /** UTC day (YYYY-MM-DD) of the last recorded interaction. */
  lastDay: string;
}

export interface Changeset {
  id: string;
  imodelId: string;
  /** 1, 2, 3, ... in push order, without gaps. */
  index: number;
  description?: string;
  briefcaseId?: string;
  pushedBy: string;
  pushedAt: string;
}

export interface NamedVersion {
  id: string;
  imodelId: string;
  name: string;
  description?: string;
  /** The changeset the version names; 0 is the empty iModel before any changeset. */
  changesetIndex: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * How many locks one briefcase holds: its item lists them (400 KB at most). A push is refused when the
 * locks held plus the locks it names could pass this, on every path that adds to the set (only pushes do).
 */
export const MAX_BRIEFCASE_LOCKS = 1000;

export interface Briefcase {
  id: string;
  imodelId: string;
  ownerId: string;
  createdAt: string;
  /** Object ids of the locks it holds (a string set, moved in the transactions that take and release them). */
  locks?: Set<string>;
}

/** An object (element or model) of an iModel locked by one briefcase until released. */
export interface Lock {
  imodelId: string;
  objectId: string;
  briefcaseId: string;
  ownerId: string;
  acquiredAt: string;
}

/** The UTC day an instant falls on: the unit of interaction records. */
export const dayOf = (at: Date): string => at.toISOString().slice(0, 10);

/**
 * A team member's effective permissions on an iModel. A list entry counts only if it belongs to the
 * list's current version and was granted after the member (last) joined the team: someone removed and
 * added again does not get an old grant back.
 */
export function permissionsOn(
  imodel: Imodel,
  member: Pick<TeamMember, "permissions" | "addedAt">,
  entry: AccessEntry | undefined,
): Permission[] {
  if (!imodel.ownAccessList) return effectivePermissions(member.permissions, undefined);
  const current =
    entry && entry.listVersion === imodel.accessListVersion && entry.grantedAt >= member.addedAt
      ? entry.permissions
      : undefined;
  return effectivePermissions(member.permissions, { entry: current });
}

// An iTwin (project) of an organisation, its team members and custom roles, as the rules see them.
import { itwinPermissions, type ItwinPermission } from "./permissions";
import type { Role } from "./roles";

/** `test`: a Test iTwin of the developer portal, whose participants hold every iModel permission. */
export type ItwinKind = "standard" | "test";

export interface Itwin {
  id: string;
  orgId: string;
  kind: ItwinKind;
  name: string;
  createdBy: string;
  createdAt: string;
  /** Team members holding `team_manage`; kept in the same transactions that change members. */
  teamManagerCount: number;
}

export interface TeamMember {
  itwinId: string;
  userId: string;
  /** Built-in role names or custom role ids, as assigned. */
  roles: string[];
  /** The union of the roles' permissions, closed under the cumulative rule; recomputed whenever roles change. */
  permissions: ItwinPermission[];
  /** Whether `permissions` holds `team_manage`; a separate attribute so conditions can name it. */
  teamManage: boolean;
  /** When the user (last) joined the team: per-iModel list entries granted before it do not count. */
  addedAt: string;
  updatedAt: string;
}

export interface CustomRole {
  id: string;
  itwinId: string;
  name: string;
  permissions: ItwinPermission[];
  createdBy: string;
  createdAt: string;
  /** Moved by every assignment (team member or list entry) that names the role: a deletion or edit conditioned on it knows no assignment slipped in. */
  assignments?: number;
  /** Moved by every change of `permissions`: an assignment conditioned on it folds the permissions it read. */
  version?: number;
  updatedAt?: string;
}

/**
 * Whether a team member item gives access: only with a membership of the iTwin's organisation, and
 * only if it was made under that membership. A user joins a team only as an organisation member (a
 * condition of the write), so an item older than the membership is a leftover of an earlier one whose
 * cleanup did not finish: it must not come back when the user is added to the organisation again.
 */
export const teamItemCounts = (
  orgMember: { addedAt: string } | undefined,
  teamMember: { addedAt: string } | undefined,
): boolean => !!orgMember && !!teamMember && teamMember.addedAt >= orgMember.addedAt;

/** Who may create an ordinary iTwin: any organisation member with a role (docs/decisions-itwins.md). */
export const mayCreateItwin = (role: Role | null): boolean => role !== null;

/** A team the user is on, as listed on their per-organisation teams item. */
export interface TeamOfUser {
  itwinId: string;
  kind: ItwinKind;
  /** They hold team_manage there, so leaving moves the iTwin's counter. */
  manage: boolean;
}

/**
 * The teams of one organisation's iTwins a user is on, kept in the same transaction as every team
 * member item (add, role change that moves team_manage, removal), with a version that each of them
 * moves: a write conditioned on the version read knows the whole list is still true.
 */
export interface TeamsOfUser {
  teams: TeamOfUser[];
  version: number;
}

/** An iTwin as lists answer it (the list entries of ordinary iTwins hold these fields: they never change). */
export type ListedItwin = Omit<Itwin, "teamManagerCount">;

/**
 * How many teams of one organisation a user may be on: the user's teams item lists them (400 KB at most,
 * and removing the user from the organisation leaves them all). Checked on every path that joins a team:
 * creating an iTwin or Test iTwin, adding a team member or participant.
 */
export const MAX_TEAMS_PER_ORGANIZATION = 1000;

/**
 * What a team manager may grant, in roles for others or themselves and in custom role definitions:
 * the permissions they hold in the iTwin. Its creator holds every permission, whatever roles they
 * have now (SPEC section 2).
 */
export const grantCeiling = (
  itwin: Pick<Itwin, "createdBy">,
  granter: Pick<TeamMember, "userId" | "permissions">,
): readonly ItwinPermission[] => (itwin.createdBy === granter.userId ? itwinPermissions : granter.permissions);

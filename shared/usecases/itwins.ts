// Use cases of iTwins: create and read them, their team members (roles as permission sets) and custom roles.
import type { Idempotency } from "../domain/idempotency";
import type { Clock } from "../clock";
import {
  grantCeiling,
  mayCreateItwin,
  type CustomRole,
  type Itwin,
  type ListedItwin,
  type TeamMember,
} from "../domain/itwin";
import {
  beyondOwn,
  builtInRoles,
  closure,
  isBuiltInRole,
  permissionsOfRoles,
  TEAM_MANAGE,
  type ItwinPermission,
} from "../domain/permissions";
import { forbidden, notFound } from "../errors";
import type { Caller } from "../domain/caller";
import { idFor } from "../ids";
import { mintItwinId } from "../child-ids";
import { alreadyTeamMember, grantAboveOwn, testItwinTeam, unknownRoles } from "../errors";
import type { ItwinStore } from "../store/itwins";
import type { OrganizationStore } from "../store/organizations";
import type { Page } from "../store/page";
import type { PageRequest } from "../store/partition";
import { membershipOf } from "./membership";
import { teamAccess } from "./team-access";
import { readWhileChecking } from "./together";

export const itwinView = (itwin: ListedItwin) => ({
  id: itwin.id,
  orgId: itwin.orgId,
  name: itwin.name,
  kind: itwin.kind,
  createdBy: itwin.createdBy,
  createdAt: itwin.createdAt,
});

export const teamMemberView = (member: TeamMember) => ({
  id: member.userId,
  userId: member.userId,
  itwinId: member.itwinId,
  roles: member.roles,
  permissions: member.permissions,
  addedAt: member.addedAt,
});

export const roleView = (role: CustomRole) => ({
  id: role.id,
  itwinId: role.itwinId,
  name: role.name,
  permissions: role.permissions,
  createdAt: role.createdAt,
});

/** The same members, whatever the order or repeats. */
export const sameSet = (a: readonly string[], b: readonly string[]) =>
  new Set(a).size === new Set(b).size && b.every((x) => a.includes(x));

const pageView = <T, V>(page: Page<T>, view: (item: T) => V) => ({
  items: page.items.map(view),
  ...(page.next ? { next: page.next } : {}),
});

/**
 * Resolves assigned role names (built-in) and ids (custom roles of the iTwin) to their permission sets,
 * in one read for the custom ones; unknown ones answer 400 naming them.
 */
export async function resolveRoles(
  store: Pick<ItwinStore, "getRoles">,
  itwinId: string,
  roles: string[],
  field: string,
  /** Receives the custom roles as read, for an assignment conditioned on them (store/role-use.ts). */
  read?: CustomRole[],
): Promise<Map<string, readonly ItwinPermission[]>> {
  const wanted = [...new Set(roles)];
  const custom = wanted.filter((r) => !isBuiltInRole(r));
  const definitions = await store.getRoles(itwinId, custom);
  read?.push(...definitions);
  const found = new Map(definitions.map((r) => [r.id, r.permissions]));
  const unknown = custom.filter((r) => !found.has(r));
  if (unknown.length) throw unknownRoles(field, unknown);
  return new Map(wanted.map((r) => [r, isBuiltInRole(r) ? builtInRoles[r] : found.get(r)!]));
}

export function itwinUseCases(deps: { itwins: ItwinStore; organizations: OrganizationStore; clock: Clock }) {
  /** The iTwin and the caller's team membership; 404 for anyone outside the team or the organisation. */
  const teamOf = (caller: Caller, itwinId: string, also: string[] = []) => teamAccess(deps, caller, itwinId, also);

  /** Changing the team needs team_manage; a Test iTwin's team is its participants, changed through the portal. */
  function requireTeamManage(itwin: Itwin, me: TeamMember) {
    if (itwin.kind === "test") throw testItwinTeam();
    if (!me.teamManage)
      throw forbidden(`Managing the team of iTwin '${itwin.id}' needs ${TEAM_MANAGE}; ask a team manager`);
  }

  /** Nobody grants what they do not hold: 403 naming the permissions `granter` lacks. */
  function requireWithinOwn(itwin: Itwin, granter: TeamMember, granted: Iterable<string>) {
    const missing = beyondOwn(granted, grantCeiling(itwin, granter));
    if (missing.length) throw grantAboveOwn(missing, `in iTwin '${itwin.id}'`);
  }

  /** The member with `roles`, which `granter` may only give within what they hold. */
  async function memberWithRoles(
    itwin: Itwin,
    granter: TeamMember,
    userId: string,
    roles: string[],
    addedAt: string,
    custom: CustomRole[],
  ): Promise<TeamMember> {
    const definitions = await resolveRoles(deps.itwins, itwin.id, roles, "body.roles", custom);
    const permissions = permissionsOfRoles(definitions.values());
    requireWithinOwn(itwin, granter, permissions);
    const now = deps.clock.now().toISOString();
    return {
      itwinId: itwin.id,
      userId,
      roles: [...definitions.keys()],
      permissions,
      teamManage: permissions.includes(TEAM_MANAGE),
      addedAt,
      updatedAt: now,
    };
  }

  return {
    async create(caller: Caller, orgId: string, input: { name: string }, idempotencyKey?: string) {
      const membership = await membershipOf(deps.organizations, caller, orgId);
      if (!mayCreateItwin(membership.role))
        throw forbidden(
          "Members without a role may only read the documentation; ask a Subscription Manager for a role",
        );
      const now = deps.clock.now().toISOString();
      const itwin: Itwin = {
        id: mintItwinId(orgId, idempotencyKey, caller.userId, "itwin"),
        orgId,
        kind: "standard",
        name: input.name,
        createdBy: caller.userId,
        createdAt: now,
        teamManagerCount: 1,
      };
      // The creator holds every iModel permission and manages the team.
      const creatorRoles = ["Delete", "TeamManager"] as const;
      const creator: TeamMember = {
        itwinId: itwin.id,
        userId: caller.userId,
        roles: [...creatorRoles],
        permissions: permissionsOfRoles(creatorRoles.map((r) => builtInRoles[r])),
        teamManage: true,
        addedAt: now,
        updatedAt: now,
      };
      const result = await deps.itwins.create(itwin, creator);
      if (!result.created && (result.itwin.createdBy !== caller.userId || result.itwin.kind !== "standard"))
        throw notFound("iTwin", itwin.id);
      return itwinView(result.itwin);
    },

    async get(caller: Caller, itwinId: string) {
      return itwinView((await teamOf(caller, itwinId)).itwin);
    },

    /**
     * The standard iTwins of the organisation the caller is a team member of: the caller's list entries
     * hold what is answered, and are read at the same time as the membership that lets them be seen.
     */
    async list(caller: Caller, orgId: string, page: PageRequest) {
      const found = await readWhileChecking(
        () => membershipOf(deps.organizations, caller, orgId),
        () => deps.itwins.listOfUser(caller.userId, orgId, page),
      );
      return pageView(found, itwinView);
    },

    async listMembers(caller: Caller, itwinId: string, page: PageRequest) {
      return pageView(
        await readWhileChecking(
          () => teamOf(caller, itwinId),
          () => deps.itwins.listMembers(itwinId, page),
        ),
        teamMemberView,
      );
    },

    /** With `once` (an Idempotency-Key), the answer's receipt is written in the transaction that adds the member. */
    async addMember(caller: Caller, itwinId: string, input: { userId: string; roles: string[] }, once?: Idempotency) {
      const { itwin, me, members } = await teamOf(caller, itwinId, [input.userId]);
      requireTeamManage(itwin, me);
      const existing = members.get(input.userId);
      if (existing) {
        // A retried add answers the member again; a different set of roles is a change, made with PATCH.
        if (sameSet(existing.roles, input.roles)) return teamMemberView(existing);
        throw alreadyTeamMember(input.userId);
      }
      const custom: CustomRole[] = [];
      const member = await memberWithRoles(
        itwin,
        me,
        input.userId,
        input.roles,
        deps.clock.now().toISOString(),
        custom,
      );
      // The new member's organisation membership is a condition of the transaction (NotOrganizationMember), not a read.
      const answer = teamMemberView(member);
      const by = { userId: caller.userId, at: member.addedAt };
      await deps.itwins.addMember(itwin, member, by, once?.receipt(answer), custom);
      return answer;
    },

    async changeMember(caller: Caller, itwinId: string, userId: string, input: { roles: string[] }) {
      const { itwin, me, members } = await teamOf(caller, itwinId, [userId]);
      requireTeamManage(itwin, me);
      const before = members.get(userId);
      if (!before) throw notFound("team member", userId);
      const custom: CustomRole[] = [];
      const after = await memberWithRoles(itwin, me, userId, input.roles, before.addedAt, custom);
      await deps.itwins.replaceMember(itwin, before, after, { userId: caller.userId, at: after.updatedAt }, custom);
      return teamMemberView(after);
    },

    async removeMember(caller: Caller, itwinId: string, userId: string) {
      const { itwin, me, members } = await teamOf(caller, itwinId, [userId]);
      requireTeamManage(itwin, me);
      const member = members.get(userId);
      if (!member) throw notFound("team member", userId);
      await deps.itwins.removeMember(itwin, member, { userId: caller.userId, at: deps.clock.now().toISOString() });
    },

    async listRoles(caller: Caller, itwinId: string, page: PageRequest) {
      return pageView(
        await readWhileChecking(
          () => teamOf(caller, itwinId),
          () => deps.itwins.listRoles(itwinId, page),
        ),
        roleView,
      );
    },

    async createRole(
      caller: Caller,
      itwinId: string,
      input: { name: string; permissions: ItwinPermission[] },
      idempotencyKey?: string,
    ) {
      const { itwin, me } = await teamOf(caller, itwinId);
      requireTeamManage(itwin, me);
      requireWithinOwn(itwin, me, input.permissions);
      const role: CustomRole = {
        id: idFor("role", idempotencyKey, caller.userId, itwinId),
        itwinId,
        name: input.name,
        // Stored closed under the cumulative rule, so the role shows what its holders get.
        permissions: closure(input.permissions),
        createdBy: caller.userId,
        createdAt: deps.clock.now().toISOString(),
        // Moved by every assignment: while 0, deleting or editing it needs no look for holders (store/role-use.ts).
        assignments: 0,
      };
      const result = await deps.itwins.createRole(role);
      return roleView(result.role);
    },
  };
}

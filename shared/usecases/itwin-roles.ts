// Editing and deleting custom roles (SPEC section 7): team_manage, within the grant ceiling, never under a holder's feet.
import type { Clock } from "../clock";
import { grantCeiling, type CustomRole } from "../domain/itwin";
import { beyondOwn, closure, type ItwinPermission } from "../domain/permissions";
import { forbidden, grantAboveOwn, notFound, roleInUse, testItwinTeam } from "../errors";
import type { Caller } from "../domain/caller";
import type { RoleStore } from "../store/role-use";
import { TEAM_MANAGE } from "../domain/permissions";
import { retryingConcurrentChanges } from "./retry";
import { roleView, sameSet } from "./itwins";
import { teamAccess, type TeamAccessDeps } from "./team-access";

export function itwinRoleUseCases(deps: {
  roles: RoleStore;
  organizations: TeamAccessDeps["organizations"];
  clock: Clock;
}) {
  /**
   * The caller manages the team (403 otherwise; 404 outside it), and the role exists (404). The role is read
   * after the check and before looking for holders: a change conditioned on it as read (its `assignments`)
   * fails if an assignment landed after that, so no holder can be missed.
   */
  async function managed(caller: Caller, itwinId: string, roleId: string) {
    // The role comes in the check's own BatchGetItem.
    let role: CustomRole | undefined;
    const reader = {
      getWithMembers: async (id: string, userIds: string[], orgMember?: { orgId: string; userId: string }) => {
        const read = await deps.roles.readWithRole(id, userIds, orgMember, roleId);
        role = read.role;
        return read;
      },
    };
    const { itwin, me } = await teamAccess({ itwins: reader, organizations: deps.organizations }, caller, itwinId);
    if (itwin.kind === "test") throw testItwinTeam();
    if (!me.teamManage)
      throw forbidden(`Managing the roles of iTwin '${itwin.id}' needs ${TEAM_MANAGE}; ask a team manager`);
    if (!role) throw notFound("role", roleId);
    return { itwin, me, role };
  }

  return {
    /**
     * Renames the role, or gives it other permissions (only from those the caller holds: 403 naming what it
     * lacks). Permissions change only while nobody holds the role: holders' permissions are folded into their
     * member items and list entries when assigned, so a held role keeps its permissions (409 RoleInUse).
     */
    async change(
      caller: Caller,
      itwinId: string,
      roleId: string,
      input: { name?: string; permissions?: ItwinPermission[] },
    ) {
      return retryingConcurrentChanges(async () => {
        const { itwin, me, role } = await managed(caller, itwinId, roleId);
        const permissions = input.permissions ? closure(input.permissions) : role.permissions;
        // Both come from `closure`, so each lists a permission once: the same set is the same permissions.
        const newPermissions = !sameSet(permissions, role.permissions);
        if (input.permissions) {
          const missing = beyondOwn(permissions, grantCeiling(itwin, me));
          if (missing.length) throw grantAboveOwn(missing, `in iTwin '${itwin.id}'`);
        }
        if (newPermissions && (await deps.roles.inUse(role))) throw roleInUse(roleId, "Changing its permissions");
        const after: CustomRole = {
          ...role,
          name: input.name ?? role.name,
          permissions,
          version: newPermissions ? (role.version ?? 0) + 1 : role.version,
          updatedAt: deps.clock.now().toISOString(),
        };
        // A rename leaves `version` as it is: an assignment racing with it folded the same permissions.
        return roleView(await deps.roles.change(role, after, { userId: caller.userId, at: after.updatedAt! }));
      });
    },

    /** Deletes a role nobody holds (409 RoleInUse otherwise); an assignment racing with it either lands first (409) or finds it gone. */
    async delete(caller: Caller, itwinId: string, roleId: string) {
      await retryingConcurrentChanges(async () => {
        const { role } = await managed(caller, itwinId, roleId);
        if (await deps.roles.inUse(role)) throw roleInUse(roleId, "Deleting the role");
        await deps.roles.delete(role, { userId: caller.userId, at: deps.clock.now().toISOString() });
      });
    },
  };
}

// Use cases of iModels: create, list, read and delete them, the caller's effective permissions, and per-iModel access lists.
import { mintImodelId } from "../child-ids";
import type { Clock } from "../clock";
import { dayOf, permissionsOn, type AccessEntry, type Imodel, type Interaction } from "../domain/imodel";
import {
  allows,
  beyondOwn,
  isBuiltInRole,
  listEntryPermissions,
  permissionsOfRoles,
  refusedOnLists,
} from "../domain/permissions";
import { invalidInput } from "../errors";
import type { Caller } from "../domain/caller";
import { accessListWithoutManager, grantAboveOwn, notTeamMember, testItwinAccess } from "../errors";
import type { ImodelStore } from "../store/imodels";
import type { ItwinStore } from "../store/itwins";
import type { PageRequest } from "../store/partition";
import { dispatch, type JobHandler, type Jobs } from "../jobs";
import { denied, type ImodelGuard } from "./imodel-access";
import { resolveRoles } from "./itwins";
import { listAuthority, listCeiling, requireListFits } from "./list-authority";
import { teamAccess, type TeamAccessDeps } from "./team-access";

export const imodelView = (imodel: Imodel) => ({
  id: imodel.id,
  itwinId: imodel.itwinId,
  name: imodel.name,
  createdBy: imodel.createdBy,
  createdAt: imodel.createdAt,
  changesetCount: imodel.changesetCount,
  ownAccessList: imodel.ownAccessList,
});

/** The worker's iModel jobs: what a delete or an access list change leaves to remove. */
export function imodelJobs(imodels: ImodelStore): JobHandler {
  return async (job) => {
    if (job.kind === "purgeImodel") await imodels.purge(job.imodelId);
    else if (job.kind === "purgeStaleAccess") await imodels.removeStaleEntries(job.imodelId, job.listVersion);
    else throw new Error(`the iModels group does not do ${job.kind} jobs`);
  };
}

export function imodelUseCases(deps: {
  imodels: ImodelStore;
  itwins: ItwinStore;
  organizations: TeamAccessDeps["organizations"];
  guard: ImodelGuard;
  jobs: Jobs;
  clock: Clock;
}) {
  const purges = imodelJobs(deps.imodels);
  const teamOf = (caller: Caller, itwinId: string) => teamAccess(deps, caller, itwinId);

  return {
    /** Needs Manage at iTwin level: a per-iModel list cannot give it. */
    async create(caller: Caller, itwinId: string, input: { name: string }, idempotencyKey?: string) {
      const { itwin, me } = await teamOf(caller, itwinId);
      if (!allows("createIModel", { itwin: me.permissions, effective: [] })) throw denied("createIModel", itwin, me);
      const at = deps.clock.now();
      const imodel: Imodel = {
        id: mintImodelId(itwin.id, idempotencyKey, caller.userId),
        itwinId: itwin.id,
        itwinKind: itwin.kind,
        name: input.name,
        createdBy: caller.userId,
        createdAt: at.toISOString(),
        changesetCount: 0,
        ownAccessList: false,
        accessListVersion: 0,
      };
      const interaction: Interaction = {
        imodelId: imodel.id,
        userId: caller.userId,
        firstAt: imodel.createdAt,
        lastAt: imodel.createdAt,
        lastDay: dayOf(at),
      };
      return imodelView((await deps.imodels.create(imodel, interaction)).imodel);
    },

    /** Only the iModels the caller may view (imodels_webview, after per-iModel lists). */
    async list(caller: Caller, itwinId: string, page: PageRequest) {
      const { me } = await teamOf(caller, itwinId);
      const visible = (imodel: Imodel, entry: AccessEntry | undefined) =>
        permissionsOn(imodel, me, entry).includes("imodels_webview");
      const found = await deps.imodels.list(itwinId, caller.userId, page, visible);
      return { items: found.items.map(imodelView), ...(found.next ? { next: found.next } : {}) };
    },

    get(caller: Caller, imodelId: string) {
      return deps.guard.run(caller, imodelId, "readIModel", async ({ imodel }) => imodelView(imodel));
    },

    /** Removes the iModel item (everything inside is unreachable from then on); the worker removes the rest. */
    async delete(caller: Caller, imodelId: string) {
      const access = await deps.guard.open(caller, imodelId);
      deps.guard.require(access, "deleteIModel");
      await deps.imodels.delete(access.imodel);
      await dispatch(deps.jobs, { kind: "purgeImodel", imodelId }, purges);
    },

    /** The caller's effective permissions: exactly one DynamoDB request of 4 keys, and it records no interaction (docs/decisions.md). */
    async permissions(caller: Caller, imodelId: string) {
      return { permissions: await deps.guard.permissions(caller, imodelId) };
    },

    /** Gives the iModel its own list, replacing any earlier one; from the next request only the list applies. */
    /** One read: the listed users' team member items and the custom roles named come in the guard's BatchGetItem. */
    setAccess(caller: Caller, imodelId: string, input: { members: { userId: string; roles: string[] }[] }) {
      const userIds = input.members.map((m) => m.userId);
      const roleIds = [...new Set(input.members.flatMap((m) => m.roles))].filter((r) => !isBuiltInRole(r));
      return deps.guard.run(
        caller,
        imodelId,
        listAuthority("setAccess"),
        async ({ itwin, imodel, member, permissions: held, team = [], roles = [] }) => {
          if (itwin.kind === "test") throw testItwinAccess();
          input.members.forEach((m, i) => {
            const bad = m.roles.filter(refusedOnLists);
            if (bad.length) {
              throw invalidInput(
                `Invalid body.members.${i}.roles: a per-iModel list sets View to Manage only (${bad.join(", ")} needs the iTwin level)`,
                {
                  fields: [{ field: `body.members.${i}.roles`, reason: `${bad.join(", ")} cannot be set per iModel` }],
                },
              );
            }
          });
          const duplicate = userIds.find((u, i) => userIds.indexOf(u) !== i);
          if (duplicate)
            throw invalidInput(`Invalid body.members: '${duplicate}' is listed twice`, {
              fields: [{ field: "body.members", reason: `duplicate user '${duplicate}'` }],
            });
          const definitions = await resolveRoles(
            { getRoles: async () => roles },
            itwin.id,
            input.members.flatMap((m) => m.roles),
            "body.members.roles",
          );
          const inTeam = new Set([member, ...team].map((m) => m.userId));
          const outside = userIds.filter((u) => !inTeam.has(u));
          if (outside.length) throw notTeamMember(outside);
          const grantedAt = deps.clock.now().toISOString();
          const entries = input.members.map((m) => ({
            imodelId: imodel.id,
            userId: m.userId,
            roles: [...new Set(m.roles)],
            permissions: listEntryPermissions(permissionsOfRoles(m.roles.map((r) => definitions.get(r)!))),
            grantedAt,
          }));
          // Rule: nobody grants what they do not hold on this iModel (its creator holds everything).
          const ceiling = listCeiling(itwin, member, held);
          const missing = [...new Set(entries.flatMap((e) => beyondOwn(e.permissions, ceiling)))];
          if (missing.length) throw grantAboveOwn(missing, `on iModel '${imodel.id}'`);
          // Rule: somebody on the list keeps Manage, or the list could never be changed again.
          if (!entries.some((e) => e.permissions.includes("imodels_manage"))) throw accessListWithoutManager();
          const named = roles.filter((r) => roleIds.includes(r.id));
          requireListFits(entries.length, named.length);
          const changed = await deps.imodels.setAccessList(imodel, entries, named);
          await dispatch(
            deps.jobs,
            { kind: "purgeStaleAccess", imodelId: imodel.id, listVersion: changed.accessListVersion },
            purges,
          );
          return {
            imodelId: imodel.id,
            ownAccessList: true,
            members: entries.map(({ userId, roles, permissions }) => ({ userId, roles, permissions })),
          };
        },
        { teamUserIds: userIds, roleIds },
      );
    },

    /** Back to the iTwin's roles; answers 204 also when the iModel had no own list. */
    clearAccess(caller: Caller, imodelId: string) {
      return deps.guard.run(caller, imodelId, listAuthority("clearAccess"), async ({ imodel }) => {
        if (!imodel.ownAccessList) return;
        const changed = await deps.imodels.clearAccessList(imodel);
        await dispatch(
          deps.jobs,
          { kind: "purgeStaleAccess", imodelId: imodel.id, listVersion: changed.accessListVersion },
          purges,
        );
      });
    },

    /** For ownership transfer (SPEC section 3): one GetItem. */
    hasInteracted: (imodelId: string, userId: string) => deps.imodels.hasInteracted(imodelId, userId),
  };
}

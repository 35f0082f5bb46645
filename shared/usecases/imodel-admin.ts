// Reading an iModel's own access list back and renaming the iModel (SPEC section 7): Manage on the iModel.
import { notFound } from "../errors";
import type { Caller } from "../domain/caller";
import type { ImodelAdminStore } from "../store/imodel-admin";
import type { ImodelAccess, ImodelGuard } from "./imodel-access";
import { imodelView } from "./imodels";

export function imodelAdminUseCases(deps: { admin: ImodelAdminStore; guard: ImodelGuard }) {
  return {
    /**
     * The list as the last PUT set it: its entries are read together with the check (one round trip) and
     * answered only when the caller holds Manage on the iModel; 404 when the iModel has no own list.
     */
    async access(caller: Caller, imodelId: string) {
      let checked: ImodelAccess | undefined;
      const entries = await deps.guard.list(
        caller,
        imodelId,
        (access) => {
          deps.guard.require(access, "readAccess");
          if (!access.imodel.ownAccessList) throw notFound("access list of iModel", imodelId);
          checked = access;
        },
        () => deps.admin.accessEntries(imodelId),
      );
      const version = checked!.imodel.accessListVersion;
      return {
        imodelId,
        ownAccessList: true,
        members: entries
          .filter((e) => e.listVersion === version)
          .map(({ userId, roles, permissions }) => ({ userId, roles, permissions })),
      };
    },

    rename(caller: Caller, imodelId: string, input: { name: string }) {
      return deps.guard.run(caller, imodelId, "renameIModel", async ({ imodel }) =>
        imodelView(await deps.admin.rename(imodel, input.name)),
      );
    },
  };
}

// iModels (SPEC section 2): the iModels of an iTwin, effective permissions, per-iModel access, and the work the permissions guard.
import { imodelsApp, wiring } from "../../shared/app";
import { created, noContent, ok } from "../../shared/http/answer";
import { http, serveWith } from "../../shared/http/handler";
import * as imodelRoutes from "../../shared/http/routes/imodels";
import * as adminRoutes from "../../shared/http/routes/imodel-admin";

const routes = { ...imodelRoutes, ...adminRoutes };

/** The group's routes over any app: the Lambda uses the default one, tests inject clients and faults. */
export function routesOf(app: ReturnType<typeof imodelsApp>) {
  return serveWith(
    { receipts: app.receipts },
    http(routes.createImodel, async ({ caller, params, body, event }) =>
      created(await app.imodels.create(caller, params.itwinId, body, event.headers["idempotency-key"])),
    ),
    http(routes.listImodels, async ({ caller, params, query }) =>
      ok(await app.imodels.list(caller, params.itwinId, query)),
    ),
    http(routes.getImodel, async ({ caller, params }) => ok(await app.imodels.get(caller, params.imodelId))),
    http(routes.deleteImodel, async ({ caller, params }) => {
      await app.imodels.delete(caller, params.imodelId);
      return noContent();
    }),
    http(routes.renameImodel, async ({ caller, params, body }) =>
      ok(await app.imodelAdmin.rename(caller, params.imodelId, body)),
    ),
    http(routes.getImodelAccess, async ({ caller, params }) =>
      ok(await app.imodelAdmin.access(caller, params.imodelId)),
    ),
    http(routes.getImodelPermissions, async ({ caller, params }) =>
      ok(await app.imodels.permissions(caller, params.imodelId)),
    ),
    http(routes.setImodelAccess, async ({ caller, params, body }) =>
      ok(await app.imodels.setAccess(caller, params.imodelId, body)),
    ),
    http(routes.clearImodelAccess, async ({ caller, params }) => {
      await app.imodels.clearAccess(caller, params.imodelId);
      return noContent();
    }),

    http(routes.listChangesets, async ({ caller, params, query }) =>
      ok(await app.timeline.listChangesets(caller, params.imodelId, query)),
    ),
    http(routes.pushChangeset, async ({ caller, params, body, event }) =>
      created(await app.timeline.pushChangeset(caller, params.imodelId, body, event.headers["idempotency-key"])),
    ),
    http(routes.listNamedVersions, async ({ caller, params, query }) =>
      ok(await app.timeline.listNamedVersions(caller, params.imodelId, query)),
    ),
    http(routes.createNamedVersion, async ({ caller, params, body, event }) =>
      created(await app.timeline.createNamedVersion(caller, params.imodelId, body, event.headers["idempotency-key"])),
    ),
    http(routes.modifyNamedVersion, async ({ caller, params, body }) =>
      ok(await app.timeline.modifyNamedVersion(caller, params.id, body)),
    ),
    http(routes.createBriefcase, async ({ caller, params, event }) =>
      created(await app.timeline.createBriefcase(caller, params.imodelId, event.headers["idempotency-key"])),
    ),
    http(routes.listLocks, async ({ caller, params, query }) =>
      ok(await app.timeline.listLocks(caller, params.imodelId, query)),
    ),
    http(routes.releaseLocks, async ({ caller, params }) => {
      await app.timeline.releaseLocks(caller, params.imodelId, params.briefcaseId);
      return noContent();
    }),
  );
}

export const handler = routesOf(imodelsApp(wiring()));

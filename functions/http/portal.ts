// Applications of the developer portal (SPEC section 1).
import { portalApp, wiring } from "../../shared/app";
import { created, noContent, ok } from "../../shared/http/answer";
import { http, serveWith } from "../../shared/http/handler";
import * as applicationRoutes from "../../shared/http/routes/applications";
import * as ownerRoutes from "../../shared/http/routes/application-owners";

const routes = { ...applicationRoutes, ...ownerRoutes };

/** The group's routes over any app: the Lambda uses the default one, tests inject clients and faults. */
export function routesOf(app: ReturnType<typeof portalApp>) {
  const apps = app.applications;
  return serveWith(
    { receipts: app.receipts },
    http(routes.createApplication, async ({ caller, params, body, event }) =>
      created(await apps.create(caller, params.orgId, body, event.headers["idempotency-key"])),
    ),
    http(routes.listApplications, async ({ caller, params, query }) =>
      ok(await apps.list(caller, params.orgId, query)),
    ),
    http(routes.getApplication, async ({ caller, params }) => ok(await apps.get(caller, params.appId))),
    http(routes.renameApplication, async ({ caller, params, body }) =>
      ok(await apps.rename(caller, params.appId, body.name)),
    ),
    http(routes.deleteApplication, async ({ caller, params }) => {
      await apps.delete(caller, params.appId);
      return noContent();
    }),
    http(routes.addApplicationOwner, async ({ caller, params, body, once }) =>
      created(await apps.addOwner(caller, params.appId, body.userId, once)),
    ),
    http(routes.removeApplicationOwner, async ({ caller, params }) =>
      ok(await apps.removeOwner(caller, params.appId, params.userId)),
    ),
  );
}

export const handler = routesOf(portalApp(wiring()));

// Synchronization connections, runs, ownership and owner tokens (SPEC section 3).
import { syncApp, wiring } from "../../shared/app";
import { created, noContent, ok } from "../../shared/http/answer";
import { http, serveWith } from "../../shared/http/handler";
import * as routes from "../../shared/http/routes/sync";

/** The group's routes over any app: the Lambda uses the default one, tests inject clients and faults. */
export function routesOf(app: ReturnType<typeof syncApp>) {
  const sync = app.sync;
  return serveWith(
    { receipts: app.receipts },
    http(routes.createConnection, async ({ caller, params, body, event }) =>
      created(await sync.create(caller, params.imodelId, body, event.headers["idempotency-key"])),
    ),
    http(routes.listConnections, async ({ caller, params, query }) =>
      ok(await sync.list(caller, params.imodelId, query)),
    ),
    http(routes.getConnection, async ({ caller, params }) => ok(await sync.get(caller, params.connectionId))),
    http(routes.editConnection, async ({ caller, params, body }) =>
      ok(await sync.edit(caller, params.connectionId, body)),
    ),
    http(routes.deleteConnection, async ({ caller, params }) => {
      await sync.delete(caller, params.connectionId);
      return noContent();
    }),
    http(routes.setFileVersion, async ({ caller, params, body }) =>
      ok(await sync.setFileVersion(caller, params.connectionId, params.fileId, body)),
    ),
    http(routes.transferOwnership, async ({ caller, params, body }) =>
      ok(await sync.transfer(caller, params.connectionId, body.userId)),
    ),
    http(routes.takeOwnership, async ({ caller, params }) => ok(await sync.take(caller, params.connectionId))),
    http(routes.startRun, async ({ caller, params, once }) =>
      created(await sync.run(caller, params.connectionId, once)),
    ),
    http(routes.listRuns, async ({ caller, params, query }) =>
      ok(await sync.listRuns(caller, params.connectionId, query)),
    ),
    http(routes.getRun, async ({ caller, params }) => ok(await sync.getRun(caller, params.runId))),
    http(routes.getSyncToken, async ({ caller }) => ok(await sync.token(caller))),
    http(routes.visitSyncPortal, async ({ caller }) => ok(await sync.visit(caller))),
  );
}

export const handler = routesOf(syncApp(wiring()));

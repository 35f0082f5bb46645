// iTwins, their teams and custom roles (SPEC section 2), and Test iTwins of the developer portal (SPEC section 1).
import { itwinsApp, wiring } from "../../shared/app";
import { created, noContent, ok } from "../../shared/http/answer";
import { http, serveWith } from "../../shared/http/handler";
import * as itwinRoutes from "../../shared/http/routes/itwins";
import * as itwinRoleRoutes from "../../shared/http/routes/itwin-roles";
import * as participantRoutes from "../../shared/http/routes/participants";
import * as testItwinRoutes from "../../shared/http/routes/test-itwins";

/** This group serves iTwins and Test iTwins. */
const routes = { ...itwinRoutes, ...itwinRoleRoutes, ...testItwinRoutes, ...participantRoutes };

/** The group's routes over any app: the Lambda uses the default one, tests inject clients and faults. */
export function routesOf(app: ReturnType<typeof itwinsApp>) {
  return serveWith(
    { receipts: app.receipts },
    http(routes.createItwin, async ({ caller, params, body, event }) =>
      created(await app.itwins.create(caller, params.orgId, body, event.headers["idempotency-key"])),
    ),
    http(routes.listItwins, async ({ caller, params, query }) =>
      ok(await app.itwins.list(caller, params.orgId, query)),
    ),
    http(routes.getItwin, async ({ caller, params }) => ok(await app.itwins.get(caller, params.itwinId))),
    http(routes.listItwinMembers, async ({ caller, params, query }) =>
      ok(await app.itwins.listMembers(caller, params.itwinId, query)),
    ),
    http(routes.addItwinMember, async ({ caller, params, body, once }) =>
      created(await app.itwins.addMember(caller, params.itwinId, body, once)),
    ),
    http(routes.changeItwinMember, async ({ caller, params, body }) =>
      ok(await app.itwins.changeMember(caller, params.itwinId, params.userId, body)),
    ),
    http(routes.removeItwinMember, async ({ caller, params }) => {
      await app.itwins.removeMember(caller, params.itwinId, params.userId);
      return noContent();
    }),
    http(routes.listItwinRoles, async ({ caller, params, query }) =>
      ok(await app.itwins.listRoles(caller, params.itwinId, query)),
    ),
    http(routes.createItwinRole, async ({ caller, params, body, event }) =>
      created(await app.itwins.createRole(caller, params.itwinId, body, event.headers["idempotency-key"])),
    ),
    http(routes.changeItwinRole, async ({ caller, params, body }) =>
      ok(await app.itwinRoles.change(caller, params.itwinId, params.roleId, body)),
    ),
    http(routes.deleteItwinRole, async ({ caller, params }) => {
      await app.itwinRoles.delete(caller, params.itwinId, params.roleId);
      return noContent();
    }),

    http(routes.createTestItwin, async ({ caller, params, body, event }) =>
      created(await app.testItwins.create(caller, params.orgId, body, event.headers["idempotency-key"])),
    ),
    http(routes.listTestItwins, async ({ caller, params, query }) =>
      ok(await app.testItwins.list(caller, params.orgId, query)),
    ),
    http(routes.getTestItwin, async ({ caller, params }) => ok(await app.testItwins.get(caller, params.id))),
    http(routes.renameTestItwin, async ({ caller, params, body }) =>
      ok(await app.testItwins.rename(caller, params.id, body)),
    ),
    http(routes.deleteTestItwin, async ({ caller, params }) => {
      await app.testItwins.delete(caller, params.id);
      return noContent();
    }),
    http(routes.addTestItwinParticipant, async ({ caller, params, body, once }) =>
      created(await app.testItwins.addParticipant(caller, params.id, body, once)),
    ),
    http(routes.listTestItwinParticipants, async ({ caller, params, query }) =>
      ok(await app.testItwins.listParticipants(caller, params.id, query)),
    ),
    http(routes.removeTestItwinParticipant, async ({ caller, params }) => {
      await app.testItwins.removeParticipant(caller, params.id, params.userId);
      return noContent();
    }),
  );
}

export const handler = routesOf(itwinsApp(wiring()));

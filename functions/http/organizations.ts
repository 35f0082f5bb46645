// Organisations, members, invitations and the subscription (SPEC sections 1 and 7).
import { organizationsApp, wiring } from "../../shared/app";
import { created, noContent, ok } from "../../shared/http/answer";
import { http, serveWith } from "../../shared/http/handler";
import { getOrganizationAudit } from "../../shared/http/routes/audit";
import * as invitationRoutes from "../../shared/http/routes/invitations";
import * as routes from "../../shared/http/routes/organizations";

/** The group's routes over any app: the Lambda uses the default one, tests inject clients and faults. */
export function routesOf(app: ReturnType<typeof organizationsApp>) {
  const orgs = app.organizations;
  return serveWith(
    { receipts: app.receipts },
    http(routes.createOrganization, async ({ caller, body, event }) => {
      const { organization } = await orgs.create(caller, body, event.headers["idempotency-key"]);
      return created(organization);
    }),
    http(routes.getOrganization, async ({ caller, params }) => ok(await orgs.get(caller, params.orgId))),
    http(routes.listMembers, async ({ caller, params, query }) =>
      ok(await orgs.listMembers(caller, params.orgId, query)),
    ),
    http(routes.addMember, async ({ caller, params, body, once }) =>
      created(await orgs.addMember(caller, params.orgId, body, once)),
    ),
    http(routes.changeMember, async ({ caller, params, body }) =>
      ok(await orgs.changeMember(caller, params.orgId, params.userId, body)),
    ),
    http(routes.assignRole, async ({ caller, params, body }) =>
      ok(await orgs.assignRole(caller, params.orgId, body.userIds, body.role)),
    ),
    http(routes.removeMember, async ({ caller, params }) => {
      await app.memberRemoval.remove(caller, params.orgId, [params.userId], "removeMember");
      return noContent();
    }),
    http(routes.removeMembers, async ({ caller, params, body }) => {
      await app.memberRemoval.remove(caller, params.orgId, body.userIds);
      return noContent();
    }),
    http(routes.listMyOrganizations, async ({ caller, query }) => ok(await app.userOrganizations.list(caller, query))),
    http(invitationRoutes.listInvitations, async ({ caller, params, query }) =>
      ok(await app.invitations.list(caller, params.orgId, query)),
    ),
    http(invitationRoutes.withdrawInvitation, async ({ caller, params }) => {
      await app.invitations.withdraw(caller, params.orgId, params.email);
      return noContent();
    }),
    http(routes.getSubscription, async ({ caller, params }) => ok(await orgs.getSubscription(caller, params.orgId))),
    http(routes.changeSubscription, async ({ caller, params, body }) =>
      ok(await orgs.changeSubscription(caller, params.orgId, body)),
    ),
    http(getOrganizationAudit, async ({ caller, params, query }) =>
      ok(await app.organizationAudit.list(caller, params.orgId, query)),
    ),
  );
}

export const handler = routesOf(organizationsApp(wiring()));

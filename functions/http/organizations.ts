// Organisations, members and the subscription (SPEC section 1).
import { makeApp } from "../../shared/app";
import { created, ok } from "../../shared/http/answer";
import { http, serve } from "../../shared/http/handler";
import { routes } from "../../shared/http/routes";

const app = makeApp();

export const handler = serve(
  http(routes.createOrganization, async ({ caller, body, event }) => {
    const { organization } = await app.organizations.create(caller, body, event.headers["idempotency-key"]);
    return created(organization);
  }),
  http(routes.getOrganization, async ({ caller, params }) => ok(await app.organizations.get(caller, params.orgId))),
);

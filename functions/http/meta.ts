// Public routes: health and the OpenAPI document.
import { ok } from "../../shared/http/answer";
import { http, serve } from "../../shared/http/handler";
import { buildOpenApi } from "../../shared/http/openapi";
import { routeList, routes } from "../../shared/http/routes";

const document = buildOpenApi(routeList, { version: "0.1.0" });

export const handler = serve(
  http(routes.health, async () => ok({ status: "ok" })),
  http(routes.openapi, async () => ok(document)),
);

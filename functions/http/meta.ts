// Public routes: health, the OpenAPI document and the API reference page.
import { ok } from "../../shared/http/answer";
import { renderDocsPage } from "../../shared/http/docs-page";
import { http, serve } from "../../shared/http/handler";
import { buildOpenApi } from "../../shared/http/openapi";
import { routeList, routes } from "../../shared/http/routes";

/**
 * The document and the page are built on the first request that needs them, not at module load: building them turns every
 * route's schemas into JSON Schema, about half of this function's initialisation, while most cold starts serve `/health`.
 */
let document: Record<string, unknown> | undefined;
let page: string | undefined;
const openApiDocument = () => (document ??= buildOpenApi(routeList, { version: "0.1.0" }));
const docsPage = () => (page ??= renderDocsPage(openApiDocument()));

/** The page has inline styles and nothing else to load: no script, no image, no font, no form, no framing. */
const pagePolicy =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const handler = serve(
  http(routes.health, async () => ok({ status: "ok" })),
  http(routes.openapi, async () => ok(openApiDocument())),
  // The page's own policy replaces the default `default-src 'none'`, which would block its inline styles.
  http(routes.docs, async () => ({
    status: 200,
    body: docsPage(),
    headers: { "content-type": "text/html; charset=utf-8", "content-security-policy": pagePolicy },
  })),
);

// The OpenAPI document lists, per route and status, the error codes the route declares (route table `codes`).
import { describe, expect, it } from "vitest";
import { errorStatus } from "../../shared/errors";
import { buildOpenApi } from "../../shared/http/openapi";
import { errorCodes, errorStatuses } from "../../shared/http/route";
import { routeList, routes } from "../../shared/http/routes";

type Responses = Record<string, { "x-error-codes"?: string[]; description: string }>;
const doc = buildOpenApi(routeList, { version: "test" }) as {
  paths: Record<string, Record<string, { responses: Responses }>>;
};
const responsesOf = (route: (typeof routeList)[number]) =>
  doc.paths[route.path]![route.method.toLowerCase()]!.responses;

describe("each route's error codes in the OpenAPI document", () => {
  it("lists under every error status the codes of that status the route declares", () => {
    for (const route of routeList) {
      const responses = responsesOf(route);
      for (const status of errorStatuses(route)) {
        const codes = responses[String(status)]!["x-error-codes"]!;
        expect({ route: route.id, status, codes }).toEqual({
          route: route.id,
          status,
          codes: errorCodes(route, status),
        });
        for (const code of codes) expect(errorStatus[code as keyof typeof errorStatus]).toBe(status);
      }
    }
  });

  it("names a run start's refusals: RunInProgress under 409, IdempotencyKeyReused under 422", () => {
    const responses = responsesOf(routes.startRun);
    expect(responses["409"]!["x-error-codes"]).toEqual(expect.arrayContaining(["RunInProgress", "ConcurrentChange"]));
    expect(responses["409"]!.description).toContain("`RunInProgress`");
    expect(responses["422"]!["x-error-codes"]).toEqual(["IdempotencyKeyReused"]);
    expect(responses["404"]!["x-error-codes"]).toEqual(["NotFound"]);
  });

  it("documents a declared code's status even when `errors` omits it", () => {
    for (const route of routeList) {
      const statuses = errorStatuses(route);
      for (const code of route.codes ?? []) expect(statuses).toContain(errorStatus[code]);
    }
  });
});

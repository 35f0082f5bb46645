// The contract: /openapi.json lists every route with every status it can answer, and passes Spectral's spectral:oas ruleset with no errors.
import { Document, Spectral } from "@stoplight/spectral-core";
import { Json as JsonParser } from "@stoplight/spectral-parsers";
import { oas } from "@stoplight/spectral-rulesets";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isOrgLimited } from "../../shared/http/org-limit";
import { errorStatuses } from "../../shared/http/route";
import { routeList } from "../../shared/http/routes";
import { startApi, type TestApi } from "../support/api";

let api: TestApi;
let doc: any;
beforeAll(async () => {
  api = await startApi();
  const answer = await api.request("GET", "/openapi.json");
  expect(answer.status).toBe(200);
  doc = answer.body;
});
afterAll(() => api.close());

describe("the OpenAPI document", () => {
  it("is served without a token", () => {
    expect(doc.openapi).toBe("3.1.0");
  });

  it("describes every route of the route table with every status it can answer", () => {
    for (const route of routeList) {
      const operation = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      const statuses = Object.keys(operation.responses);
      expect(statuses).toContain(String(route.success.status));
      for (const status of errorStatuses(route)) expect(statuses, `${route.id} ${status}`).toContain(String(status));
      expect(statuses).toContain("default");
      if (route.auth) expect(operation.security).toBeUndefined();
      else expect(operation.security).toEqual([]);
    }
    const documented = Object.values(doc.paths).reduce((n: number, ops: any) => n + Object.keys(ops).length, 0);
    expect(documented).toBe(routeList.length);
  });

  it("describes API Gateway's own answers: 429 with Retry-After on every route, and its { message } shape for 401 and 413", () => {
    const gatewayShape = { $ref: "#/components/schemas/GatewayMessage" };
    for (const route of routeList) {
      const responses = doc.paths[route.path][route.method.toLowerCase()].responses;
      const tooMany = responses["429"].content["application/json"].schema;
      // A route naming an organisation's resource answers that organisation's own 429 too, in the error shape.
      if (isOrgLimited(route))
        // The error shape narrowed to the route's codes (TooManyRequests), or the gateway's.
        expect(tooMany.anyOf, route.id).toEqual([
          expect.objectContaining({ allOf: expect.arrayContaining([{ $ref: "#/components/schemas/Error" }]) }),
          gatewayShape,
        ]);
      else expect(tooMany, route.id).toEqual(gatewayShape);
      expect(responses["429"].headers["Retry-After"], route.id).toBeDefined();
      expect(responses["413"].content["application/json"].schema.anyOf, route.id).toContainEqual(gatewayShape);
      if (route.auth)
        expect(responses["401"].content["application/json"].schema.anyOf, route.id).toContainEqual({
          $ref: "#/components/schemas/GatewayUnauthorized",
        });
    }
    // Only the routes that name no organisation escape its limit: creating one, listing one's own, one's own sync token and connections.
    expect(
      routeList
        .filter((r) => r.auth && !isOrgLimited(r))
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual([
      "GET /me/connections",
      "GET /me/sync-token",
      "GET /organizations",
      "POST /me/sync-token",
      "POST /organizations",
    ]);
    expect(doc.components.schemas.GatewayMessage).toMatchObject({
      type: "object",
      properties: { message: { type: "string" } },
      required: ["message"],
    });
  });

  it("resolves every $ref to a component", () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) {
      const name = ref.replace(/^"\$ref":"#\/components\/schemas\//, "").replace(/"$/, "");
      expect(doc.components.schemas[name], ref).toBeDefined();
    }
  });

  it("passes Spectral's spectral:oas ruleset with no errors", async () => {
    const spectral = new Spectral();
    spectral.setRuleset(oas as any);
    const results = await spectral.run(new Document(JSON.stringify(doc, null, 2), JsonParser));
    const errors = results.filter((r) => r.severity === 0).map((r) => `${r.code}: ${r.message} at ${r.path.join(".")}`);
    expect(errors).toEqual([]);
    const warnings = results
      .filter((r) => r.severity === 1)
      .map((r) => `${r.code}: ${r.message} at ${r.path.join(".")}`);
    expect(warnings).toEqual([]);
  });
});

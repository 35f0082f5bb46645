// Every route against every kind of bad token, an outsider and its rightful user: the documented status each time, and no route left without a row.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clock } from "../../shared/clock";
import { routeList } from "../../shared/http/routes";
import { memoryIssuer } from "../../infra/local/tokens";
import { startApi, uniqueUser, type TestApi } from "../support/api";
import { samples, send, world } from "../support/world";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

/** What someone signed in but outside everything gets: routes that act on the caller alone succeed, all else is not visible. */
const outsiderStatus: Record<string, number> = { createOrganization: 201, getSyncToken: 200, visitSyncPortal: 200 };

describe("authorization of every route", () => {
  it("has a row for every route of the route table", () => {
    expect(routeList.map((r) => r.id).filter((id) => !samples[id])).toEqual([]);
  });

  it.each(routeList.map((r) => [`${r.method} ${r.path}`, r] as const))("%s", async (_name, route) => {
    const w = await world(api);
    const sample = samples[route.id]!(w);
    const method = route.method;
    const raw = (authorization?: string) =>
      api.request(method, sample.path, {
        body: sample.body === undefined ? undefined : JSON.stringify(sample.body),
        headers: { ...(authorization ? { authorization } : {}), ...(sample.body === undefined ? {} : { "content-type": "application/json" }) },
      });

    if (route.auth) {
      const now = Math.floor(clock.now().getTime() / 1000);
      const stranger = await memoryIssuer(api.issuer.issuer, api.issuer.audience);
      const tokens = {
        none: undefined,
        notBearer: `Basic ${Buffer.from("a:b").toString("base64")}`,
        expired: `Bearer ${await api.issuer.mint({ sub: w.admin.userId }, { issuedAt: now - 7200, expiresInSeconds: 3600 })}`,
        wrongIssuer: `Bearer ${await api.issuer.mint({ sub: w.admin.userId }, { issuer: "https://evil.example/" })}`,
        wrongAudience: `Bearer ${await api.issuer.mint({ sub: w.admin.userId }, { audience: "someone-else" })}`,
        badSignature: `Bearer ${await stranger.mint({ sub: w.admin.userId })}`,
      };
      for (const [kind, authorization] of Object.entries(tokens)) {
        const answer = await raw(authorization);
        expect(answer.status, kind).toBe(401);
        expect(answer.body.error.code, kind).toBe("Unauthorized");
      }
      const outsider = await api.as(uniqueUser("outsider"));
      const refused = await send(outsider, method, sample);
      expect(refused.status, "outsider").toBe(outsiderStatus[route.id] ?? 404);
    }

    const rightful = sample.as ? sample.as(w) : w.admin;
    const allowed = route.auth ? await send(rightful, method, sample) : await raw();
    expect(allowed.status, JSON.stringify(allowed.body)).toBe(route.success.status);
  });
});

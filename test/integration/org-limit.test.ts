// The per-organisation request rate through HTTP: 429 TooManyRequests with Retry-After for the organisation over its rate, known from the ids alone; other organisations and outsiders' requests do not count against it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setOrgRequestRate } from "../../shared/http/org-limit";
import { config } from "../../shared/config";
import { startApi, uniqueUser, type Client, type Reply, type TestApi } from "../support/api";
import { orgWith } from "../support/orgs";
import { world, type World } from "../support/world";

let api: TestApi;
let a: World;
beforeAll(async () => {
  api = await startApi();
  a = await world(api);
});
afterAll(async () => {
  setOrgRequestRate(config.ORG_REQUESTS_PER_SECOND);
  await api.close();
});

/** Sends `n` requests at once; the limit is taken as each arrives, before any read, so they all meet the same bucket. */
const burst = (n: number, send: () => Promise<Reply>) => Promise.all(Array.from({ length: n }, send));
const statuses = (replies: Reply[]) => replies.map((r) => r.status);

function expectTooMany(reply: Reply) {
  expect(reply.status).toBe(429);
  expect(reply.body.error.code).toBe("TooManyRequests");
  expect(reply.headers.get("retry-after")).toMatch(/^[1-9][0-9]*$/);
}

describe("per-organisation request rate", () => {
  it("answers 429 TooManyRequests with Retry-After to the organisation over its rate, while another organisation is served, and serves it again after Retry-After", async () => {
    setOrgRequestRate(4);
    const b = await orgWith(api);
    const replies = await burst(12, () => a.admin.get(`/organizations/${a.orgId}`));
    const refused = replies.filter((r) => r.status === 429);
    // A bucket of 4 refills 4 a second: 12 at once cannot all pass.
    expect(refused.length, JSON.stringify(statuses(replies))).toBeGreaterThanOrEqual(4);
    refused.forEach(expectTooMany);
    expect(replies.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(1);

    // The other organisation's bucket is its own: all of its burst is served at once.
    expect(statuses(await burst(4, () => b.admin.get(`/organizations/${b.orgId}`)))).toEqual([200, 200, 200, 200]);

    const wait = Number(refused[0]!.headers.get("retry-after"));
    await new Promise((r) => setTimeout(r, wait * 1000));
    expect((await a.admin.get(`/organizations/${a.orgId}`)).status).toBe(200);
  });

  it("knows the organisation from the ids alone: its application, iTwin, Test iTwin, iModel, named version, connection and run routes answer 429 too", async () => {
    setOrgRequestRate(1);
    const paths = [
      `/applications/${a.appId}`,
      `/itwins/${a.itwinId}`,
      `/test-itwins/${a.testItwinId}`,
      `/imodels/${a.imodelId}`,
      `/connections/${a.connectionId}`,
      `/runs/${a.runId}`,
    ];
    // The named version's route is a PATCH only.
    const requests = [
      ...paths.map((path) => () => a.admin.get(path)),
      () => a.admin.patch(`/named-versions/${a.namedVersionId}`, { name: "v1.1" }),
    ];
    for (const [i, send] of requests.entries()) {
      const replies = await burst(4, send);
      const refused = replies.filter((r) => r.status === 429);
      expect(refused.length, `request ${i}: ${JSON.stringify(statuses(replies))}`).toBeGreaterThanOrEqual(1);
      refused.forEach(expectTooMany);
    }
  });

  it("does not let an outsider use up an organisation's rate: requests it cannot see (404) give their token back", async () => {
    setOrgRequestRate(4);
    const b = await orgWith(api);
    const mallory: Client = await api.as(uniqueUser("mallory"));
    const outsider = await burst(12, () => mallory.get(`/organizations/${b.orgId}`));
    expect(
      outsider.every((r) => r.status === 404 || r.status === 429),
      JSON.stringify(statuses(outsider)),
    ).toBe(true);
    // Every outsider request has answered: the tokens they held are back, so the members have their whole burst.
    expect(statuses(await burst(4, () => b.admin.get(`/organizations/${b.orgId}`)))).toEqual([200, 200, 200, 200]);
  });

  it("does not limit the routes that name no organisation", async () => {
    setOrgRequestRate(1);
    const carol = await api.as(uniqueUser("carol"));
    expect(statuses(await burst(4, () => carol.get("/me/sync-token"))).filter((s) => s === 429)).toEqual([]);
  });
});

// Every route against every kind of bad token, an outsider and its rightful user: the documented status each time, and no route left without a row.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advanceClock, clock } from "../../shared/clock";
import { routeList } from "../../shared/http/routes";
import { memoryIssuer } from "../../infra/local/tokens";
import { startApi, uniqueUser, type TestApi } from "../support/api";
import { samples, send, world, type Sample, type World } from "../support/world";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

/** What someone signed in but outside everything gets: routes that act on the caller alone succeed, all else is not visible. */
const outsiderStatus: Record<string, number> = {
  createOrganization: 201,
  listMyOrganizations: 200,
  getSyncToken: 200,
  visitSyncPortal: 200,
  listMyConnections: 200,
};

/**
 * "Demoted with an old token": a Subscription Manager demoted to Developer two seconds after their token
 * was issued gets what a Developer gets, on every portal route a Subscription Manager's authority decides.
 * The Administrator's application is not theirs: hidden (404), as from any Developer who does not own it.
 */
const demotedStatus: Record<string, number> = {
  addMember: 403,
  changeMember: 403,
  assignRole: 403,
  removeMember: 403,
  removeMembers: 403,
  listInvitations: 403,
  withdrawInvitation: 403,
  getSubscription: 403,
  changeSubscription: 403,
  getApplication: 404,
  renameApplication: 404,
  deleteApplication: 404,
  addApplicationOwner: 404,
  removeApplicationOwner: 404,
  getOrganizationAudit: 403,
};

/**
 * "Team manager above its level": a team member with team_manage and only Read asks for more than it
 * holds (403). The grant each route is asked for, when the route's own sample stays within Read.
 */
const aboveLevel: Record<string, (w: World) => Sample> = {
  addItwinMember: (w) => ({ path: `/itwins/${w.itwinId}/members`, body: { userId: w.extra.userId, roles: ["Write"] } }),
  changeItwinMember: (w) => ({ path: `/itwins/${w.itwinId}/members/${w.viewer.userId}`, body: { roles: ["Delete"] } }),
  createItwinRole: (w) => samples.createItwinRole!(w),
  changeItwinRole: (w) => ({
    path: `/itwins/${w.itwinId}/roles/${w.roleId}`,
    body: { permissions: ["imodels_write"] },
  }),
  setImodelAccess: (w) => ({
    path: `/imodels/${w.imodelId}/access`,
    body: { members: [{ userId: w.viewer.userId, roles: ["Manage"] }] },
  }),
};

/** A member of the organisation signed in now, added by the Administrator with `role`. */
async function memberOf(w: World, role: string) {
  const client = await api.as(uniqueUser(role));
  expect(
    (
      await w.admin.post(`/organizations/${w.orgId}/members`, {
        userId: client.userId,
        email: `${client.userId}@example.com`,
        role,
      })
    ).status,
  ).toBe(201);
  return client;
}

describe("authorization of every route", () => {
  it("has a row for every route of the route table", () => {
    expect(routeList.map((r) => r.id).filter((id) => !samples[id])).toEqual([]);
    const ids = routeList.map((r) => r.id);
    expect([...Object.keys(demotedStatus), ...Object.keys(aboveLevel)].filter((id) => !ids.includes(id))).toEqual([]);
  });

  it.each(routeList.map((r) => [`${r.method} ${r.path}`, r] as const))("%s", async (_name, route) => {
    const w = await world(api);
    const sample = samples[route.id]!(w);
    const method = route.method;
    const raw = (authorization?: string) =>
      api.request(method, sample.path, {
        body: sample.body === undefined ? undefined : JSON.stringify(sample.body),
        headers: {
          ...(authorization ? { authorization } : {}),
          ...(sample.body === undefined ? {} : { "content-type": "application/json" }),
        },
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

    if (demotedStatus[route.id] !== undefined) {
      const demoted = await memberOf(w, "SubscriptionManager");
      advanceClock(2000);
      expect(
        (await w.admin.patch(`/organizations/${w.orgId}/members/${demoted.userId}`, { role: "Developer" })).status,
      ).toBe(200);
      const answer = await send(demoted, method, sample);
      expect(answer.status, `demoted with an old token: ${JSON.stringify(answer.body)}`).toBe(demotedStatus[route.id]);
    }

    if (aboveLevel[route.id]) {
      const manager = await memberOf(w, "Developer");
      expect(
        (await w.admin.post(`/itwins/${w.itwinId}/members`, { userId: manager.userId, roles: ["Read", "TeamManager"] }))
          .status,
      ).toBe(201);
      const answer = await send(manager, method, aboveLevel[route.id]!(w));
      expect(answer.status, `team manager above its level: ${JSON.stringify(answer.body)}`).toBe(403);
    }

    const rightful = sample.as ? sample.as(w) : w.admin;
    const allowed = route.auth ? await send(rightful, method, sample) : await raw();
    expect(allowed.status, JSON.stringify(allowed.body)).toBe(route.success.status);
  });
});

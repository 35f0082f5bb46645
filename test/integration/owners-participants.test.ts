// Removing application owners and Test iTwin participants through HTTP (SPEC section 7): who may, the last one stays, and two removals racing for the last two leave one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApi, type TestApi } from "../support/api";
import { orgWith } from "../support/orgs";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

describe("removing an application owner", () => {
  it("an owner removes another owner, then themselves is refused as the last one (409 LastApplicationOwner)", async () => {
    const { orgId, members } = await orgWith(api, { a: "Developer", b: "Developer" });
    const a = members.a!;
    const b = members.b!;
    const app = await a.post(`/organizations/${orgId}/applications`, { name: "App" });
    expect((await a.post(`/applications/${app.body.id}/owners`, { userId: b.userId })).status).toBe(201);

    const removed = await b.delete(`/applications/${app.body.id}/owners/${a.userId}`);
    expect(removed.status).toBe(200);
    expect(removed.body.owners).toEqual([b.userId]);
    // The removed Developer no longer owns it: it is hidden from them.
    expect((await a.get(`/applications/${app.body.id}`)).status).toBe(404);
    expect((await a.get(`/organizations/${orgId}/applications`)).body.items).toEqual([]);
    expect((await b.get(`/organizations/${orgId}/applications`)).body.items.map((x: { id: string }) => x.id)).toEqual([
      app.body.id,
    ]);

    const last = await b.delete(`/applications/${app.body.id}/owners/${b.userId}`);
    expect(last.status).toBe(409);
    expect(last.body.error.code).toBe("LastApplicationOwner");
    expect((await b.delete(`/applications/${app.body.id}/owners/${a.userId}`)).status).toBe(404);
  });

  it("a manager who is not listed removes a listed owner; a Developer who does not own it gets 404, a member without a role 403", async () => {
    const { orgId, admin, members } = await orgWith(api, {
      manager: "ApplicationManager",
      a: "Developer",
      b: "Developer",
      stranger: "Developer",
      none: null,
    });
    const app = await members.a!.post(`/organizations/${orgId}/applications`, { name: "App" });
    expect((await admin.post(`/applications/${app.body.id}/owners`, { userId: members.b!.userId })).status).toBe(201);
    const path = `/applications/${app.body.id}/owners/${members.b!.userId}`;
    expect((await members.stranger!.delete(path)).status).toBe(404);
    expect((await members.none!.delete(path)).status).toBe(403);
    const removed = await members.manager!.delete(path);
    expect(removed.status).toBe(200);
    expect(removed.body.owners).toEqual([members.a!.userId]);
  });

  it("race: two owners removing each other at once leave exactly one owner", async () => {
    for (let round = 0; round < 4; round++) {
      const { orgId, members } = await orgWith(api, { a: "Developer", b: "Developer" });
      const a = members.a!;
      const b = members.b!;
      const app = await a.post(`/organizations/${orgId}/applications`, { name: "App" });
      expect((await a.post(`/applications/${app.body.id}/owners`, { userId: b.userId })).status).toBe(201);
      const answers = await Promise.all([
        a.delete(`/applications/${app.body.id}/owners/${b.userId}`),
        b.delete(`/applications/${app.body.id}/owners/${a.userId}`),
      ]);
      expect(answers.map((r) => r.status).sort()).toEqual([200, answers.some((r) => r.status === 404) ? 404 : 409]);
      const left = answers.find((r) => r.status === 200)!.body.owners as string[];
      expect(left).toHaveLength(1);
      const remaining = left[0] === a.userId ? a : b;
      expect((await remaining.get(`/applications/${app.body.id}`)).body.owners).toEqual(left);
    }
  });
});

describe("Test iTwin participants", () => {
  it("lists participants page by page, to participants only", async () => {
    const { orgId, members } = await orgWith(api, { a: "Developer", b: "Developer", c: "Developer", out: "Developer" });
    const sandbox = await members.a!.post(`/organizations/${orgId}/test-itwins`, { name: "Sandbox" });
    for (const u of [members.b!, members.c!])
      expect((await members.a!.post(`/test-itwins/${sandbox.body.id}/participants`, { userId: u.userId })).status).toBe(
        201,
      );
    const first = await members.b!.get(`/test-itwins/${sandbox.body.id}/participants?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    const second = await members.b!.get(
      `/test-itwins/${sandbox.body.id}/participants?limit=2&cursor=${encodeURIComponent(first.body.next)}`,
    );
    const all = [...first.body.items, ...second.body.items].map((p: { userId: string }) => p.userId).sort();
    expect(all).toEqual([members.a!.userId, members.b!.userId, members.c!.userId].sort());
    expect((await members.out!.get(`/test-itwins/${sandbox.body.id}/participants`)).status).toBe(404);
  });

  it("a participant removes another, or leaves; the last one stays (409 LastParticipant); a removed one loses it at once", async () => {
    const { orgId, members } = await orgWith(api, { a: "Developer", b: "Developer", out: "Developer" });
    const a = members.a!;
    const b = members.b!;
    const sandbox = await a.post(`/organizations/${orgId}/test-itwins`, { name: "Sandbox" });
    const id = sandbox.body.id;
    expect((await a.post(`/test-itwins/${id}/participants`, { userId: b.userId })).status).toBe(201);
    expect((await members.out!.delete(`/test-itwins/${id}/participants/${a.userId}`)).status).toBe(404);
    expect((await b.delete(`/test-itwins/${id}/participants/${a.userId}`)).status).toBe(204);
    expect((await a.get(`/test-itwins/${id}`)).status).toBe(404);
    expect((await a.delete(`/test-itwins/${id}/participants/${b.userId}`)).status).toBe(404);

    const last = await b.delete(`/test-itwins/${id}/participants/${b.userId}`);
    expect(last.status).toBe(409);
    expect(last.body.error.code).toBe("LastParticipant");
    expect((await b.delete(`/test-itwins/${id}/participants/${members.out!.userId}`)).status).toBe(404);

    // Leaving yourself, when someone else stays.
    expect((await b.post(`/test-itwins/${id}/participants`, { userId: a.userId })).status).toBe(201);
    expect((await b.delete(`/test-itwins/${id}/participants/${b.userId}`)).status).toBe(204);
    expect(
      (await a.get(`/test-itwins/${id}/participants`)).body.items.map((p: { userId: string }) => p.userId),
    ).toEqual([a.userId]);
  });

  it("race: the last two participants removing each other, or both leaving, at once leave exactly one", async () => {
    for (const mode of ["each other", "both leave", "each other", "both leave"] as const) {
      const { orgId, members } = await orgWith(api, { a: "Developer", b: "Developer" });
      const a = members.a!;
      const b = members.b!;
      const sandbox = await a.post(`/organizations/${orgId}/test-itwins`, { name: "Sandbox" });
      const id = sandbox.body.id;
      expect((await a.post(`/test-itwins/${id}/participants`, { userId: b.userId })).status).toBe(201);
      const answers = await Promise.all(
        mode === "each other"
          ? [
              a.delete(`/test-itwins/${id}/participants/${b.userId}`),
              b.delete(`/test-itwins/${id}/participants/${a.userId}`),
            ]
          : [
              a.delete(`/test-itwins/${id}/participants/${a.userId}`),
              b.delete(`/test-itwins/${id}/participants/${b.userId}`),
            ],
      );
      expect(
        answers.filter((r) => r.status === 204),
        mode,
      ).toHaveLength(1);
      expect(answers.find((r) => r.status !== 204)!.status, mode).toBeOneOf([404, 409]);
      const left = await Promise.all([
        a.get(`/test-itwins/${id}/participants`),
        b.get(`/test-itwins/${id}/participants`),
      ]);
      const seen = left.find((r) => r.status === 200)!;
      expect(seen.body.items, mode).toHaveLength(1);
      expect(
        left.filter((r) => r.status === 200),
        mode,
      ).toHaveLength(1);
    }
  });
});

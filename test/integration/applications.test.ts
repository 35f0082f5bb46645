// Applications through the real handlers: owners, who is listed as one, and what a Developer's list shows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApi, type TestApi } from "../support/api";
import { orgWith } from "../support/orgs";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

describe("applications", () => {
  it("lists the creator as owner, lets owners add owners, and refuses managers as added owners", async () => {
    const { orgId, members } = await orgWith(api, { dev: "Developer", other: "Developer", am: "ApplicationManager" });
    const app = await members.dev!.post(`/organizations/${orgId}/applications`, { name: "Viewer" });
    expect(app.body.owners).toEqual([members.dev!.userId]);

    const added = await members.dev!.post(`/applications/${app.body.id}/owners`, { userId: members.other!.userId });
    expect(added.status).toBe(201);
    expect(added.body.owners).toEqual([members.dev!.userId, members.other!.userId]);
    // Adding an owner again changes nothing.
    expect(
      (await members.dev!.post(`/applications/${app.body.id}/owners`, { userId: members.other!.userId })).body.owners,
    ).toHaveLength(2);

    const manager = await members.dev!.post(`/applications/${app.body.id}/owners`, { userId: members.am!.userId });
    expect(manager.status).toBe(409);
    expect(manager.body.error.code).toBe("ImplicitOwner");
    const stranger = await members.dev!.post(`/applications/${app.body.id}/owners`, { userId: "nobody-here" });
    expect(stranger.status).toBe(404);

    const byManager = await members.am!.post(`/organizations/${orgId}/applications`, { name: "Console" });
    expect(byManager.body.owners).toEqual([members.am!.userId]);
  });

  it("lists a manager who creates an application as its owner, so it stays theirs after a demotion", async () => {
    const { orgId, admin, members } = await orgWith(api, { am: "ApplicationManager", dev: "Developer" });
    const app = await members.am!.post(`/organizations/${orgId}/applications`, { name: "Console" });
    expect(app.status).toBe(201);
    expect(app.body.owners).toEqual([members.am!.userId]);
    const byAdmin = await admin.post(`/organizations/${orgId}/applications`, { name: "Admin's" });
    expect(byAdmin.body.owners).toEqual([admin.userId]);

    expect(
      (await admin.patch(`/organizations/${orgId}/members/${members.am!.userId}`, { role: "Developer" })).status,
    ).toBe(200);
    const demoted = await api.as(members.am!.userId);
    const listed = await demoted.get(`/organizations/${orgId}/applications`);
    expect(listed.body.items.map((a: { id: string }) => a.id)).toEqual([app.body.id]);
    expect((await demoted.patch(`/applications/${app.body.id}`, { name: "Console 2" })).status).toBe(200);
    // The admin's application is not theirs: as a Developer they no longer see it.
    expect((await demoted.get(`/applications/${byAdmin.body.id}`)).status).toBe(404);
    // Another Developer still sees neither.
    expect((await members.dev!.get(`/organizations/${orgId}/applications`)).body.items).toEqual([]);
  });

  it("shows a Developer only the applications they own, managers all of them, and forgets a deleted one everywhere", async () => {
    const { orgId, admin, members } = await orgWith(api, { dev: "Developer", am: "ApplicationManager" });
    const mine = await members.dev!.post(`/organizations/${orgId}/applications`, { name: "Mine" });
    const theirs = await admin.post(`/organizations/${orgId}/applications`, { name: "Theirs" });
    const ids = (r: { body: { items: { id: string }[] } }) => r.body.items.map((a) => a.id).sort();

    expect(ids(await members.dev!.get(`/organizations/${orgId}/applications`))).toEqual([mine.body.id]);
    expect(ids(await members.am!.get(`/organizations/${orgId}/applications`))).toEqual(
      [mine.body.id, theirs.body.id].sort(),
    );

    expect((await members.am!.delete(`/applications/${mine.body.id}`)).status).toBe(204);
    expect(ids(await members.dev!.get(`/organizations/${orgId}/applications`))).toEqual([]);
    expect(ids(await members.am!.get(`/organizations/${orgId}/applications`))).toEqual([theirs.body.id]);
    expect((await members.dev!.get(`/applications/${mine.body.id}`)).status).toBe(404);
  });

  it("lists every application as it is now: renamed, with owners added, in managers' and owners' lists alike", async () => {
    const { orgId, members } = await orgWith(api, { dev: "Developer", other: "Developer", am: "ApplicationManager" });
    const app = await members.dev!.post(`/organizations/${orgId}/applications`, { name: "Viewer" });
    await members.dev!.post(`/applications/${app.body.id}/owners`, { userId: members.other!.userId });
    const renamed = await members.other!.patch(`/applications/${app.body.id}`, { name: "Viewer 2" });
    expect(renamed.status).toBe(200);
    const current = (await members.dev!.get(`/applications/${app.body.id}`)).body;
    expect(current).toMatchObject({ name: "Viewer 2", owners: [members.dev!.userId, members.other!.userId] });
    for (const reader of [members.dev!, members.other!, members.am!]) {
      expect((await reader.get(`/organizations/${orgId}/applications`)).body.items).toEqual([current]);
    }
  });

  it("keeps every rename and owner when they race", async () => {
    const { orgId, members } = await orgWith(api, { dev: "Developer", a: "Developer", b: "Developer", c: "Developer" });
    const app = await members.dev!.post(`/organizations/${orgId}/applications`, { name: "Viewer" });
    const answers = await Promise.all([
      ...["a", "b", "c"].map((n) =>
        members.dev!.post(`/applications/${app.body.id}/owners`, { userId: members[n]!.userId }),
      ),
      ...[1, 2, 3].map((n) => members.dev!.patch(`/applications/${app.body.id}`, { name: `Viewer ${n}` })),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 201, 201, 201]);
    const current = (await members.dev!.get(`/applications/${app.body.id}`)).body;
    expect(current.owners).toHaveLength(4);
    for (const reader of [members.dev!, members.a!, members.c!]) {
      expect((await reader.get(`/organizations/${orgId}/applications`)).body.items).toEqual([current]);
    }
  });
});

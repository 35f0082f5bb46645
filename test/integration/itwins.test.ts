// iTwins, their teams and custom roles through the real handlers and DynamoDB Local.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { levelPermissions } from "../../shared/domain/permissions";
import { startApi, uniqueUser, type Client, type TestApi } from "../support/api";
import { imodelIn, teamWith } from "../support/itwins";
import { orgWith } from "../support/orgs";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

describe("creating iTwins", () => {
  it("lets any member with a role create one and makes the creator a team manager with every permission", async () => {
    const { orgId, members } = await orgWith(api, { dev: "Developer", appManager: "ApplicationManager" });
    for (const client of [members.dev!, members.appManager!]) {
      const created = await client.post(`/organizations/${orgId}/itwins`, { name: "Bridge" });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ orgId, name: "Bridge", kind: "standard", createdBy: client.userId });
      expect(created.body.id).toMatch(/^itw_/);
      const team = await client.get(`/itwins/${created.body.id}/members`);
      expect(team.body.items).toEqual([
        expect.objectContaining({
          id: client.userId,
          roles: ["Delete", "TeamManager"],
          permissions: [...levelPermissions.Delete, "team_manage"],
        }),
      ]);
      expect((await client.get(`/itwins/${created.body.id}`)).body).toEqual(created.body);
    }
  });

  it("answers 403 to a member without a role and 404 to anyone outside the organisation", async () => {
    const { orgId, members } = await orgWith(api, { none: null });
    expect((await members.none!.post(`/organizations/${orgId}/itwins`, { name: "x" })).status).toBe(403);
    const stranger = await api.as(uniqueUser("stranger"));
    expect((await stranger.post(`/organizations/${orgId}/itwins`, { name: "x" })).status).toBe(404);
  });

  it("answers the iTwin created first when a create is retried with the same Idempotency-Key", async () => {
    const { orgId, admin } = await orgWith(api);
    const first = await admin.post(`/organizations/${orgId}/itwins`, { name: "Once" }, { "idempotency-key": "i-1" });
    const retry = await admin.post(`/organizations/${orgId}/itwins`, { name: "Once" }, { "idempotency-key": "i-1" });
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
  });

  it("lists the caller's iTwins in an organisation, and hides an iTwin from people off its team", async () => {
    const t = await teamWith(api, { member: ["Read"] }, ["outsider"]);
    const mine = await t.members.member!.get(`/organizations/${t.orgId}/itwins`);
    expect(mine.body.items.map((i: { id: string }) => i.id)).toEqual([t.itwinId]);
    expect((await t.outsiders.outsider!.get(`/organizations/${t.orgId}/itwins`)).body.items).toEqual([]);
    expect((await t.outsiders.outsider!.get(`/itwins/${t.itwinId}`)).status).toBe(404);
    expect((await t.outsiders.outsider!.get(`/itwins/${t.itwinId}/members`)).status).toBe(404);
  });
});

describe("team members", () => {
  it("are added, changed and removed only by holders of team_manage", async () => {
    const t = await teamWith(api, { manager: ["Manage"] }, ["newcomer"]);
    const manager = t.members.manager!;
    const newcomer = t.outsiders.newcomer!;
    const refused = await manager.post(`/itwins/${t.itwinId}/members`, { userId: newcomer.userId, roles: ["Read"] });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain("team_manage");
    expect((await manager.patch(`/itwins/${t.itwinId}/members/${manager.userId}`, { roles: ["Delete"] })).status).toBe(
      403,
    );
    expect((await manager.delete(`/itwins/${t.itwinId}/members/${t.admin.userId}`)).status).toBe(403);

    const added = await t.admin.post(`/itwins/${t.itwinId}/members`, {
      userId: newcomer.userId,
      roles: ["Read", "View"],
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      id: newcomer.userId,
      userId: newcomer.userId,
      itwinId: t.itwinId,
      permissions: levelPermissions.Read,
    });
  });

  it("only come from the organisation", async () => {
    const t = await teamWith(api, {});
    const stranger = await api.as(uniqueUser("stranger"));
    const refused = await t.admin.post(`/itwins/${t.itwinId}/members`, { userId: stranger.userId, roles: ["Read"] });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("NotOrganizationMember");
  });

  it("answers an existing member again when added with the same roles, and 409 with other roles", async () => {
    const t = await teamWith(api, { reader: ["Read"] });
    const again = await t.admin.post(`/itwins/${t.itwinId}/members`, {
      userId: t.members.reader!.userId,
      roles: ["Read"],
    });
    expect(again.status).toBe(201);
    const other = await t.admin.post(`/itwins/${t.itwinId}/members`, {
      userId: t.members.reader!.userId,
      roles: ["Write"],
    });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("AlreadyTeamMember");
  });

  it("refuses unknown roles with 400 naming them", async () => {
    const t = await teamWith(api, {}, ["x"]);
    const reply = await t.admin.post(`/itwins/${t.itwinId}/members`, {
      userId: t.outsiders.x!.userId,
      roles: ["Read", "role_nope"],
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error.message).toContain("role_nope");
  });

  it("get role changes from the very next request, and removal at once", async () => {
    const t = await teamWith(api, { member: ["Read"] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const member = t.members.member!;
    expect((await member.post(`/imodels/${imodelId}/changesets`, {})).status).toBe(403);
    const changed = await t.admin.patch(`/itwins/${t.itwinId}/members/${member.userId}`, { roles: ["Write"] });
    expect(changed.status).toBe(200);
    expect(changed.body.permissions).toEqual(levelPermissions.Write);
    expect((await member.post(`/imodels/${imodelId}/changesets`, {})).status).toBe(201);
    expect((await t.admin.delete(`/itwins/${t.itwinId}/members/${member.userId}`)).status).toBe(204);
    expect((await member.get(`/imodels/${imodelId}`)).status).toBe(404);
    expect((await t.admin.delete(`/itwins/${t.itwinId}/members/${member.userId}`)).status).toBe(404);
  });

  it("are listed completely, page by page", async () => {
    const t = await teamWith(api, { a: ["View"], b: ["Read"], c: ["Write"] });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await t.members.a!.get(`/itwins/${t.itwinId}/members?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((m: { userId: string }) => m.userId));
      cursor = page.body.next;
    } while (cursor);
    expect(seen.sort()).toEqual([t.admin.userId, t.members.a!.userId, t.members.b!.userId, t.members.c!.userId].sort());
  });
});

describe("team managers", () => {
  it("refuses to remove the last holder of team_manage, or to take it from them", async () => {
    const t = await teamWith(api, {});
    const removed = await t.admin.delete(`/itwins/${t.itwinId}/members/${t.admin.userId}`);
    expect(removed.status).toBe(409);
    expect(removed.body.error.code).toBe("LastTeamManager");
    const demoted = await t.admin.patch(`/itwins/${t.itwinId}/members/${t.admin.userId}`, { roles: ["Delete"] });
    expect(demoted.status).toBe(409);
  });

  it("lets a team manager step down once another holds team_manage", async () => {
    const t = await teamWith(api, { next: ["TeamManager"] });
    expect((await t.admin.delete(`/itwins/${t.itwinId}/members/${t.admin.userId}`)).status).toBe(204);
    expect((await t.members.next!.get(`/itwins/${t.itwinId}/members`)).body.items).toHaveLength(1);
  });

  it("keeps one team manager when two remove each other at the same time", async () => {
    const t = await teamWith(api, { other: ["TeamManager"] });
    const other = t.members.other!;
    const results = await Promise.all([
      t.admin.delete(`/itwins/${t.itwinId}/members/${other.userId}`),
      other.delete(`/itwins/${t.itwinId}/members/${t.admin.userId}`),
    ]);
    // One removal wins; the other is refused by the rule (409), or finds its author already removed (404).
    const statuses = results.map((r) => r.status).sort();
    expect(statuses[0]).toBe(204);
    expect([404, 409]).toContain(statuses[1]);
    const winner = results[0]!.status === 204 ? t.admin : other;
    const members = await winner.get(`/itwins/${t.itwinId}/members`);
    expect(
      members.body.items.filter((m: { permissions: string[] }) => m.permissions.includes("team_manage")),
    ).toHaveLength(1);
  });
});

describe("custom roles", () => {
  it("are sets of permissions, closed under the cumulative levels, assignable by id", async () => {
    const t = await teamWith(api, {}, ["x"]);
    const role = await t.admin.post(`/itwins/${t.itwinId}/roles`, { name: "Pusher", permissions: ["imodels_write"] });
    expect(role.status).toBe(201);
    expect(role.body).toMatchObject({ itwinId: t.itwinId, name: "Pusher", permissions: levelPermissions.Write });
    expect(role.body.id).toMatch(/^role_/);
    const listed = await t.admin.get(`/itwins/${t.itwinId}/roles`);
    expect(listed.body.items).toEqual([role.body]);

    const x = t.outsiders.x!;
    const added = await t.admin.post(`/itwins/${t.itwinId}/members`, { userId: x.userId, roles: [role.body.id] });
    expect(added.status).toBe(201);
    const imodelId = await imodelIn(t.admin, t.itwinId);
    expect((await x.get(`/imodels/${imodelId}/permissions`)).body.permissions).toEqual(levelPermissions.Write);
    expect((await x.post(`/imodels/${imodelId}/changesets`, {})).status).toBe(201);
  });

  it("can carry team_manage", async () => {
    const t = await teamWith(api, {}, ["x", "y"]);
    const role = await t.admin.post(`/itwins/${t.itwinId}/roles`, {
      name: "Coordinator",
      permissions: ["team_manage", "imodels_webview"],
    });
    await t.admin.post(`/itwins/${t.itwinId}/members`, { userId: t.outsiders.x!.userId, roles: [role.body.id] });
    const added = await t.outsiders.x!.post(`/itwins/${t.itwinId}/members`, {
      userId: t.outsiders.y!.userId,
      roles: ["View"],
    });
    expect(added.status).toBe(201);
  });

  it("are created only by team managers and do not apply to Test iTwins", async () => {
    const t = await teamWith(api, { manager: ["Manage"] });
    expect(
      (await t.members.manager!.post(`/itwins/${t.itwinId}/roles`, { name: "r", permissions: ["imodels_read"] }))
        .status,
    ).toBe(403);
    const sandbox = await t.admin.post(`/organizations/${t.orgId}/test-itwins`, { name: "Sandbox" });
    const refused = await t.admin.post(`/itwins/${sandbox.body.id}/roles`, {
      name: "r",
      permissions: ["imodels_read"],
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("TestItwinTeam");
    const member = await t.admin.post(`/itwins/${sandbox.body.id}/members`, {
      userId: t.members.manager!.userId,
      roles: ["Read"],
    });
    expect(member.status).toBe(409);
  });
});

describe("members without roles on the iTwin", () => {
  it("see no iModel until a per-iModel list gives them one", async () => {
    const t = await teamWith(api, { bare: [] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const bare: Client = t.members.bare!;
    expect((await bare.get(`/imodels/${imodelId}`)).status).toBe(403);
    expect((await bare.get(`/itwins/${t.itwinId}/imodels`)).body.items).toEqual([]);
    await t.admin.put(`/imodels/${imodelId}/access`, {
      members: [
        { userId: t.admin.userId, roles: ["Manage"] },
        { userId: bare.userId, roles: ["Read"] },
      ],
    });
    expect((await bare.get(`/imodels/${imodelId}`)).status).toBe(200);
    expect((await bare.get(`/itwins/${t.itwinId}/imodels`)).body.items).toHaveLength(1);
  });
});

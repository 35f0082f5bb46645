// Test iTwins through the real handlers: the portal matrix's Test iTwin cells (shared/domain/portal.ts) for each role, participant or not, and what participants hold.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { levelPermissions } from "../../shared/domain/permissions";
import { decide, type Decision, type PortalAction } from "../../shared/domain/portal";
import { roles, type Role } from "../../shared/domain/roles";
import { startApi, uniqueUser, type Client, type TestApi } from "../support/api";
import { imodelIn } from "../support/itwins";
import { decisionOf, orgWith } from "../support/orgs";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

interface Fixture {
  orgId: string;
  caller: Client;
  other: Client;
  testItwinId: string;
  creatorId: string;
}

type TestItwinAction = Extract<PortalAction, `${string}TestItwin${string}`>;

const perform: Record<TestItwinAction, (f: Fixture) => Promise<Decision>> = {
  createTestItwin: async (f) =>
    decisionOf(await f.caller.post(`/organizations/${f.orgId}/test-itwins`, { name: "Mine" })),
  readTestItwin: async (f) => {
    const list = await f.caller.get(`/organizations/${f.orgId}/test-itwins`);
    const read = decisionOf(await f.caller.get(`/test-itwins/${f.testItwinId}`));
    if (list.status !== 200) {
      expect(read).toBe(decisionOf(list));
      return decisionOf(list);
    }
    const listed = list.body.items.some((t: { id: string }) => t.id === f.testItwinId) ? "allow" : "hide";
    expect(read).toBe(listed);
    return listed;
  },
  modifyTestItwin: async (f) => decisionOf(await f.caller.patch(`/test-itwins/${f.testItwinId}`, { name: "Renamed" })),
  deleteTestItwin: async (f) => decisionOf(await f.caller.delete(`/test-itwins/${f.testItwinId}`)),
  addTestItwinParticipant: async (f) =>
    decisionOf(await f.caller.post(`/test-itwins/${f.testItwinId}/participants`, { userId: f.other.userId })),
  listTestItwinParticipants: async (f) => decisionOf(await f.caller.get(`/test-itwins/${f.testItwinId}/participants`)),
  // The Test iTwin's creator (the Administrator) is removed: a participant caller stays, so it is never the last.
  removeTestItwinParticipant: async (f) =>
    decisionOf(await f.caller.delete(`/test-itwins/${f.testItwinId}/participants/${f.creatorId}`)),
};

const actions = Object.keys(perform) as TestItwinAction[];

/** One organisation per role, shared by that role's cells; each cell gets a Test iTwin of its own. */
const orgsByRole = new Map<Role | null, ReturnType<typeof orgWith>>();

async function fixture(role: Role | null, participant: boolean): Promise<Fixture> {
  if (!orgsByRole.has(role)) orgsByRole.set(role, orgWith(api, { caller: role, other: "Developer" }));
  const { orgId, admin, members } = await orgsByRole.get(role)!;
  const created = await admin.post(`/organizations/${orgId}/test-itwins`, { name: "Admin's sandbox" });
  expect(created.status).toBe(201);
  if (participant)
    expect(
      (await admin.post(`/test-itwins/${created.body.id}/participants`, { userId: members.caller!.userId })).status,
    ).toBe(201);
  return {
    orgId,
    caller: members.caller!,
    other: members.other!,
    testItwinId: created.body.id,
    creatorId: admin.userId,
  };
}

const cells = actions.flatMap((action) =>
  [...roles, null].flatMap((role) =>
    [true, false].map((participant) => ({
      action,
      role,
      participant,
      expected: decide(action, role, { participant }),
    })),
  ),
);

describe("the portal matrix for Test iTwins, through HTTP", () => {
  it.concurrent.each(
    cells.map(
      (c) =>
        [
          `${c.role ?? "no role"} (${c.participant ? "participant" : "not participant"}): ${c.action} -> ${c.expected}`,
          c,
        ] as const,
    ),
  )("%s", async (_name, cell) => {
    expect(await perform[cell.action](await fixture(cell.role, cell.participant))).toBe(cell.expected);
  });

  it("answers 404 to anyone outside the organisation", async () => {
    const f = await fixture("Developer", true);
    const stranger = await api.as(uniqueUser("stranger"));
    expect((await stranger.get(`/test-itwins/${f.testItwinId}`)).status).toBe(404);
    expect((await stranger.patch(`/test-itwins/${f.testItwinId}`, { name: "x" })).status).toBe(404);
    expect((await stranger.get(`/organizations/${f.orgId}/test-itwins`)).status).toBe(404);
  });
});

describe("Test iTwins", () => {
  it("make their creator a participant holding every iModel permission", async () => {
    const { orgId, members } = await orgWith(api, { dev: "Developer" });
    const dev = members.dev!;
    const sandbox = await dev.post(`/organizations/${orgId}/test-itwins`, { name: "Sandbox" });
    expect(sandbox.status).toBe(201);
    expect(sandbox.body).toMatchObject({ kind: "test", name: "Sandbox", createdBy: dev.userId });
    const imodelId = await imodelIn(dev, sandbox.body.id);
    expect((await dev.get(`/imodels/${imodelId}/permissions`)).body.permissions).toEqual(levelPermissions.Delete);
    expect((await dev.post(`/imodels/${imodelId}/changesets`, {})).status).toBe(201);
    expect((await dev.delete(`/imodels/${imodelId}`)).status).toBe(204);
  });

  it("give added participants every iModel permission, and hide their iModels from managers who do not participate", async () => {
    const { orgId, admin, members } = await orgWith(api, { dev: "Developer", manager: "ApplicationManager" });
    const sandbox = await members.dev!.post(`/organizations/${orgId}/test-itwins`, { name: "Sandbox" });
    const imodelId = await imodelIn(members.dev!, sandbox.body.id);
    expect((await admin.get(`/imodels/${imodelId}`)).status).toBe(404);
    expect((await members.manager!.get(`/itwins/${sandbox.body.id}/imodels`)).status).toBe(404);

    const added = await members.dev!.post(`/test-itwins/${sandbox.body.id}/participants`, {
      userId: members.manager!.userId,
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ id: members.manager!.userId, itwinId: sandbox.body.id });
    expect((await members.manager!.get(`/imodels/${imodelId}/permissions`)).body.permissions).toEqual(
      levelPermissions.Delete,
    );
    const again = await members.dev!.post(`/test-itwins/${sandbox.body.id}/participants`, {
      userId: members.manager!.userId,
    });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(added.body);
  });

  it("take participants from the organisation only", async () => {
    const { orgId, admin } = await orgWith(api);
    const sandbox = await admin.post(`/organizations/${orgId}/test-itwins`, { name: "Sandbox" });
    const refused = await admin.post(`/test-itwins/${sandbox.body.id}/participants`, {
      userId: uniqueUser("stranger"),
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("NotOrganizationMember");
  });

  it("are renamed, and deleted with their iModels, by any one participant", async () => {
    const { orgId, admin, members } = await orgWith(api, { dev: "Developer" });
    const sandbox = await admin.post(`/organizations/${orgId}/test-itwins`, { name: "Sandbox" });
    await admin.post(`/test-itwins/${sandbox.body.id}/participants`, { userId: members.dev!.userId });
    const imodelId = await imodelIn(admin, sandbox.body.id);
    const renamed = await members.dev!.patch(`/test-itwins/${sandbox.body.id}`, { name: "Playground" });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe("Playground");

    expect((await members.dev!.delete(`/test-itwins/${sandbox.body.id}`)).status).toBe(204);
    expect((await admin.get(`/test-itwins/${sandbox.body.id}`)).status).toBe(404);
    expect((await admin.get(`/imodels/${imodelId}`)).status).toBe(404);
    expect((await admin.get(`/organizations/${orgId}/test-itwins`)).body.items).toEqual([]);
  });

  it("name their organisation in their id, down to the ids of what their iModels hold; any other shape answers 404", async () => {
    const { orgId, admin } = await orgWith(api);
    const sandbox = await admin.post(`/organizations/${orgId}/test-itwins`, { name: "Sandbox" });
    const id: string = sandbox.body.id;
    expect(id).toMatch(new RegExp(`^itw_${orgId.slice("org_".length)}[A-Za-z0-9_-]{16}$`));
    // The deepest ids (named versions, connections, runs of a Test iTwin's iModels) still pass the path schema and parse.
    const imodelId = await imodelIn(admin, id);
    const version = await admin.post(`/imodels/${imodelId}/named-versions`, { name: "Baseline" });
    expect(version.status).toBe(201);
    expect(version.body.id.length).toBeGreaterThan(64);
    expect((await admin.patch(`/named-versions/${version.body.id}`, { name: "Renamed" })).status).toBe(200);

    const other = await orgWith(api);
    const elsewhere = await other.admin.post(`/organizations/${other.orgId}/test-itwins`, { name: "Theirs" });
    const wrong = [
      `itw_${"a".repeat(22)}`,
      `itw_${"a".repeat(39)}`,
      "x".repeat(96),
      // This organisation's body with another Test iTwin's tail, and another organisation's Test iTwin.
      id.slice(0, -16) + elsewhere.body.id.slice(-16),
      elsewhere.body.id,
    ];
    for (const bad of wrong) {
      expect((await admin.get(`/test-itwins/${bad}`)).status, bad).toBe(404);
      expect((await admin.patch(`/test-itwins/${bad}`, { name: "x" })).status, bad).toBe(404);
      expect((await admin.delete(`/test-itwins/${bad}`)).status, bad).toBe(404);
      expect((await admin.post(`/test-itwins/${bad}/participants`, { userId: admin.userId })).status, bad).toBe(404);
    }
    expect((await admin.get(`/test-itwins/${"x".repeat(97)}`)).status).toBe(400);
  });

  it("are listed with their current name, page by page", async () => {
    const { orgId, admin, members } = await orgWith(api, { dev: "Developer" });
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const sandbox = await admin.post(`/organizations/${orgId}/test-itwins`, { name: `Sandbox ${i}` });
      await admin.post(`/test-itwins/${sandbox.body.id}/participants`, { userId: members.dev!.userId });
      made.push(sandbox.body.id);
    }
    expect((await members.dev!.patch(`/test-itwins/${made[2]}`, { name: "Renamed" })).status).toBe(200);
    for (const reader of [admin, members.dev!]) {
      const seen: { id: string; name: string }[] = [];
      let cursor: string | undefined;
      do {
        const page = await reader.get(
          `/organizations/${orgId}/test-itwins?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        );
        expect(page.status).toBe(200);
        seen.push(...page.body.items);
        cursor = page.body.next;
      } while (cursor);
      expect(seen.map((t) => t.id).sort()).toEqual([...made].sort());
      expect(seen.find((t) => t.id === made[2])!.name).toBe("Renamed");
    }
    // A cursor of this list is refused by the list of ordinary iTwins (both read the caller's entries).
    const first = await admin.get(`/organizations/${orgId}/test-itwins?limit=1`);
    expect((await admin.get(`/organizations/${orgId}/itwins?cursor=${first.body.next}`)).status).toBe(400);
  });

  it("are not ordinary iTwins: their paths answer 404 for ordinary ones", async () => {
    const { orgId, admin } = await orgWith(api);
    const itwin = await admin.post(`/organizations/${orgId}/itwins`, { name: "Real" });
    expect((await admin.patch(`/test-itwins/${itwin.body.id}`, { name: "x" })).status).toBe(404);
    expect((await admin.get(`/organizations/${orgId}/itwins`)).body.items.map((i: { id: string }) => i.id)).toEqual([
      itwin.body.id,
    ]);
  });
});

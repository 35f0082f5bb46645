// The audit trail through HTTP: every kind of audited change appears with actor, time, before and after; refused changes leave nothing; races leave one entry per change made; pages, newest first, and retention.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clockOffset, setClockOffset } from "../../shared/clock";
import { startApi, uniqueUser, type Client, type TestApi } from "../support/api";
import { orgWith } from "../support/orgs";
import { teamWith } from "../support/sync";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

interface Entry {
  id: string;
  at: string;
  actorId: string;
  action: string;
  orgId: string;
  target: { type: string; id: string };
  itwinId?: string;
  imodelId?: string;
  before: Record<string, any> | null;
  after: Record<string, any> | null;
  expiresAt: string;
}

/** Every entry of a trail, page after page, newest first. */
async function trail(reader: Client, path: string, limit = 100): Promise<Entry[]> {
  const all: Entry[] = [];
  let cursor: string | undefined;
  do {
    const page = await reader.get(`${path}?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    all.push(...page.body.items);
    cursor = page.body.next;
  } while (cursor);
  return all;
}

const orgTrail = (reader: Client, orgId: string) => trail(reader, `/organizations/${orgId}/audit`);
const imodelTrail = (reader: Client, imodelId: string) => trail(reader, `/imodels/${imodelId}/audit`);

/** The entries after `before` (a trail read earlier), oldest first: what the steps in between recorded. */
const since = (now: Entry[], before: Entry[]) => {
  const seen = new Set(before.map((e) => e.id));
  return now.filter((e) => !seen.has(e.id)).reverse();
};

const ok = async (reply: Promise<{ status: number; body: any }>) => {
  const r = await reply;
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  return r.body;
};

describe("what the organisation's trail records", () => {
  it("members added, changed, given a role in bulk and removed, with who, when, before and after", async () => {
    const { orgId, admin, members } = await orgWith(api, { dev: "Developer", other: "Developer" });
    const start = await orgTrail(admin, orgId);
    const newcomer = uniqueUser("newcomer");
    await ok(admin.post(`/organizations/${orgId}/members`, { userId: newcomer, email: "n@example.com", role: null }));
    await ok(admin.patch(`/organizations/${orgId}/members/${members.dev!.userId}`, { role: "ApplicationManager" }));
    await ok(
      admin.post(`/organizations/${orgId}/members:assign-role`, {
        userIds: [members.dev!.userId, members.other!.userId],
        role: "SubscriptionManager",
      }),
    );
    await ok(admin.delete(`/organizations/${orgId}/members/${newcomer}`));

    const entries = since(await orgTrail(admin, orgId), start);
    expect(entries.map((e) => e.action)).toEqual([
      "member.added",
      "member.changed",
      "members.roleAssigned",
      "member.removed",
    ]);
    for (const e of entries) {
      expect(e.actorId).toBe(admin.userId);
      expect(e.orgId).toBe(orgId);
      expect(Date.parse(e.at)).not.toBeNaN();
    }
    const [added, changed, assigned, removed] = entries;
    expect(added).toMatchObject({
      target: { type: "member", id: newcomer },
      before: null,
      after: { role: null, coAdministrator: false },
    });
    expect(changed).toMatchObject({
      target: { type: "member", id: members.dev!.userId },
      before: { role: "Developer" },
      after: { role: "ApplicationManager" },
    });
    expect(assigned!.target).toEqual({ type: "members", id: orgId });
    expect(assigned!.before).toEqual({
      members: [
        { userId: members.dev!.userId, role: "ApplicationManager", coAdministrator: false },
        { userId: members.other!.userId, role: "Developer", coAdministrator: false },
      ],
    });
    expect(assigned!.after!.members.map((m: { role: string }) => m.role)).toEqual([
      "SubscriptionManager",
      "SubscriptionManager",
    ]);
    expect(removed).toMatchObject({ target: { type: "member", id: newcomer }, before: { role: null }, after: null });
  });

  it("an invitation, and its acceptance by the invitee's first request, as the invitee's own change", async () => {
    const { orgId, admin } = await orgWith(api);
    const invitee = uniqueUser("invitee");
    const address = `${invitee}@example.com`;
    await ok(admin.post(`/organizations/${orgId}/members`, { email: address, role: "Developer" }));
    const joined = await api.as(invitee, { email: address });
    await ok(joined.get(`/organizations/${orgId}`));

    const [accepted, invited] = await orgTrail(admin, orgId);
    expect(invited).toMatchObject({
      action: "invitation.created",
      actorId: admin.userId,
      target: { type: "invitation", id: address },
      before: null,
      after: { email: address, role: "Developer", coAdministrator: false },
    });
    expect(accepted).toMatchObject({
      action: "invitation.accepted",
      actorId: invitee,
      target: { type: "member", id: invitee },
      before: { email: address, role: "Developer" },
      after: { role: "Developer", coAdministrator: false },
    });
  });

  it("iTwin team members, custom roles, Test iTwin participants and application owners", async () => {
    const { orgId, admin, members } = await orgWith(api, { dev: "Developer" });
    const dev = members.dev!;
    const itwin = await ok(admin.post(`/organizations/${orgId}/itwins`, { name: "Plant" }));
    const role = await ok(admin.post(`/itwins/${itwin.id}/roles`, { name: "Pusher", permissions: ["imodels_write"] }));
    await ok(admin.post(`/itwins/${itwin.id}/members`, { userId: dev.userId, roles: ["Read"] }));
    await ok(admin.patch(`/itwins/${itwin.id}/members/${dev.userId}`, { roles: [role.id] }));
    await ok(admin.delete(`/itwins/${itwin.id}/members/${dev.userId}`));
    const sandbox = await ok(admin.post(`/organizations/${orgId}/test-itwins`, { name: "Sandbox" }));
    await ok(admin.post(`/test-itwins/${sandbox.id}/participants`, { userId: dev.userId }));
    const app = await ok(admin.post(`/organizations/${orgId}/applications`, { name: "App" }));
    await ok(admin.post(`/applications/${app.id}/owners`, { userId: dev.userId }));

    const entries = (await orgTrail(admin, orgId)).reverse().filter((e) => !e.action.startsWith("member."));
    expect(entries.map((e) => e.action)).toEqual([
      "customRole.created",
      "teamMember.added",
      "teamMember.changed",
      "teamMember.removed",
      "participant.added",
      "applicationOwner.added",
    ]);
    const [created, added, changed, removed, participant, owner] = entries;
    expect(created).toMatchObject({
      itwinId: itwin.id,
      target: { type: "customRole", id: role.id },
      before: null,
      after: { name: "Pusher" },
    });
    expect(added).toMatchObject({
      itwinId: itwin.id,
      target: { type: "teamMember", id: dev.userId },
      before: null,
      after: { roles: ["Read"] },
    });
    expect(changed).toMatchObject({ before: { roles: ["Read"] }, after: { roles: [role.id] } });
    expect(changed!.after!.permissions).toContain("imodels_write");
    expect(removed).toMatchObject({ before: { roles: [role.id] }, after: null });
    expect(participant).toMatchObject({
      itwinId: sandbox.id,
      target: { type: "participant", id: dev.userId },
      before: null,
    });
    expect(owner).toMatchObject({
      target: { type: "application", id: app.id },
      before: { owners: [admin.userId] },
      after: { owners: [admin.userId, dev.userId] },
    });
    for (const e of entries) expect(e.actorId).toBe(admin.userId);
  });
});

describe("what an iModel's trail records", () => {
  it("its access list set, replaced and removed, with the list before and after", async () => {
    const t = await teamWith(api, { reader: "Read", manager: "Manage" });
    const { reader, manager } = t.members as Record<string, Client>;
    await ok(
      t.admin.put(`/imodels/${t.imodelId}/access`, {
        members: [
          { userId: manager!.userId, roles: ["Manage"] },
          { userId: reader!.userId, roles: ["Read"] },
        ],
      }),
    );
    await ok(
      manager!.put(`/imodels/${t.imodelId}/access`, { members: [{ userId: manager!.userId, roles: ["Manage"] }] }),
    );
    await ok(manager!.delete(`/imodels/${t.imodelId}/access`));

    const [removed, replaced, set] = await imodelTrail(t.admin, t.imodelId);
    expect(set).toMatchObject({
      action: "accessList.set",
      actorId: t.admin.userId,
      imodelId: t.imodelId,
      target: { type: "accessList", id: t.imodelId },
      before: null,
      after: {
        members: [
          { userId: manager!.userId, roles: ["Manage"] },
          { userId: reader!.userId, roles: ["Read"] },
        ],
      },
    });
    expect(replaced).toMatchObject({
      action: "accessList.set",
      actorId: manager!.userId,
      before: set!.after,
      after: { members: [{ userId: manager!.userId, roles: ["Manage"] }] },
    });
    expect(removed).toMatchObject({
      action: "accessList.removed",
      actorId: manager!.userId,
      before: replaced!.after,
      after: null,
    });
    // The organisation's trail holds them too.
    const org = (await orgTrail(t.admin, t.orgId)).filter((e) => e.imodelId === t.imodelId);
    expect(org.map((e) => e.id)).toEqual([removed, replaced, set].map((e) => e!.id));
  });

  it("a schedule paused and resumed, each once, and a pause that changed nothing is not written", async () => {
    const t = await teamWith(api, { writer: "Write" });
    const { writer } = t.members as Record<string, Client>;
    const connection = await ok(
      writer!.post(`/imodels/${t.imodelId}/connections`, {
        name: "Nightly",
        files: [{ id: "f", name: "f.dgn", version: "1" }],
        schedule: { every: "PT1H" },
      }),
    );
    await ok(writer!.patch(`/connections/${connection.id}`, { paused: true }));
    await ok(writer!.patch(`/connections/${connection.id}`, { paused: true }));
    await ok(writer!.patch(`/connections/${connection.id}`, { paused: false }));

    const entries = (await imodelTrail(t.admin, t.imodelId)).reverse();
    expect(entries.map((e) => [e.action, e.actorId])).toEqual([
      ["connection.created", writer!.userId],
      ["connection.paused", writer!.userId],
      ["connection.resumed", writer!.userId],
    ]);
    expect(entries[1]!.after).toEqual({ ownerId: writer!.userId, schedule: { every: "PT1H" }, paused: true });
    expect(entries[2]!.after).toEqual({ ownerId: writer!.userId, schedule: { every: "PT1H" } });
  });

  it("connections created, their schedule changed, their owner changed and their deletion", async () => {
    const t = await teamWith(api, { writer: "Write", viewer: "View" });
    const { writer, viewer } = t.members as Record<string, Client>;
    const connection = await ok(
      writer!.post(`/imodels/${t.imodelId}/connections`, {
        name: "Sync",
        files: [{ id: "f", name: "f.dgn", version: "1" }],
        schedule: { every: "PT1H" },
      }),
    );
    await ok(writer!.patch(`/connections/${connection.id}`, { name: "Renamed" }));
    await ok(writer!.patch(`/connections/${connection.id}`, { schedule: { cron: "0 6 * * *" } }));
    await ok(t.admin.post(`/connections/${connection.id}/owner`, { userId: viewer!.userId }));
    await ok(writer!.post(`/connections/${connection.id}/owner:take`));
    await ok(writer!.patch(`/connections/${connection.id}`, { schedule: null }));
    await ok(writer!.delete(`/connections/${connection.id}`));

    const entries = (await imodelTrail(t.admin, t.imodelId)).reverse();
    expect(entries.map((e) => [e.action, e.actorId])).toEqual([
      ["connection.created", writer!.userId],
      ["connection.scheduleChanged", writer!.userId],
      ["connection.ownerChanged", t.admin.userId],
      ["connection.ownerChanged", writer!.userId],
      ["connection.scheduleChanged", writer!.userId],
      ["connection.deleted", writer!.userId],
    ]);
    expect(entries.map((e) => [e.before, e.after])).toEqual([
      [null, { ownerId: writer!.userId, schedule: { every: "PT1H" } }],
      [
        { ownerId: writer!.userId, schedule: { every: "PT1H" } },
        { ownerId: writer!.userId, schedule: { cron: "0 6 * * *" } },
      ],
      [
        { ownerId: writer!.userId, schedule: { cron: "0 6 * * *" } },
        { ownerId: viewer!.userId, schedule: { cron: "0 6 * * *" } },
      ],
      [
        { ownerId: viewer!.userId, schedule: { cron: "0 6 * * *" } },
        { ownerId: writer!.userId, schedule: { cron: "0 6 * * *" } },
      ],
      [
        { ownerId: writer!.userId, schedule: { cron: "0 6 * * *" } },
        { ownerId: writer!.userId, schedule: null },
      ],
      [{ ownerId: writer!.userId, schedule: null }, null],
    ]);
    for (const e of entries)
      expect(e).toMatchObject({ imodelId: t.imodelId, target: { type: "connection", id: connection.id } });
  });
});

describe("a refused change writes nothing", () => {
  it("409s and 403s of the organisation leave its trail as it was", async () => {
    const { orgId, admin, members } = await orgWith(api, { dev: "Developer" });
    const before = await orgTrail(admin, orgId);
    // Rule conditions refused in the transaction itself, and refusals before it.
    expect((await admin.patch(`/organizations/${orgId}/members/${admin.userId}`, { role: "Developer" })).status).toBe(
      409,
    );
    expect(
      (
        await admin.post(`/organizations/${orgId}/members`, {
          userId: members.dev!.userId,
          email: "again@example.com",
        })
      ).status,
    ).toBe(409);
    expect((await admin.post(`/organizations/${orgId}/members`, { email: "twice@example.com" })).status).toBe(201);
    expect((await admin.post(`/organizations/${orgId}/members`, { email: "twice@example.com" })).status).toBe(409);
    expect((await admin.delete(`/organizations/${orgId}/members/${admin.userId}`)).status).toBe(409);
    expect(
      (await members.dev!.patch(`/organizations/${orgId}/members/${admin.userId}`, { role: "Developer" })).status,
    ).toBe(403);
    const after = await orgTrail(admin, orgId);
    expect(since(after, before).map((e) => e.action)).toEqual(["invitation.created"]);
  });

  it("an owner change the transaction refuses (new owner never worked with the iModel, a run in progress) leaves none", async () => {
    const t = await teamWith(api, { writer: "Write" });
    const silent = await teamWith(api, {});
    const never = await api.as(uniqueUser("never"));
    await ok(t.admin.post(`/organizations/${t.orgId}/members`, { userId: never.userId, email: "x@example.com" }));
    await ok(t.admin.post(`/itwins/${t.itwinId}/members`, { userId: never.userId, roles: ["Write"] }));
    const connection = await ok(
      t.members.writer!.post(`/imodels/${t.imodelId}/connections`, { name: "Sync", files: [] }),
    );
    const before = await imodelTrail(t.admin, t.imodelId);
    expect((await t.admin.post(`/connections/${connection.id}/owner`, { userId: never.userId })).status).toBe(409);
    expect(
      (await t.admin.put(`/imodels/${t.imodelId}/access`, { members: [{ userId: never.userId, roles: ["Read"] }] }))
        .status,
    ).toBe(409);
    expect((await t.members.writer!.delete(`/imodels/${silent.imodelId}/access`)).status).toBe(404);
    expect(await imodelTrail(t.admin, t.imodelId)).toEqual(before);
  });
});

describe("races", () => {
  it("concurrent role changes leave exactly one entry per change made", async () => {
    const { orgId, admin, members } = await orgWith(api, {
      a: "SubscriptionManager",
      b: "SubscriptionManager",
      c: "Developer",
      d: "Developer",
    });
    const before = await orgTrail(admin, orgId);
    const { a, b, c, d } = members as Record<string, Client>;
    // Each demotes another manager at once: the last manager always stays, so some are refused.
    const replies = await Promise.all([
      a!.patch(`/organizations/${orgId}/members/${b!.userId}`, { role: "Developer" }),
      b!.patch(`/organizations/${orgId}/members/${a!.userId}`, { role: "Developer" }),
      admin.patch(`/organizations/${orgId}/members/${a!.userId}`, { role: "ApplicationManager" }),
      a!.patch(`/organizations/${orgId}/members/${admin.userId}`, { role: "Developer" }),
      admin.patch(`/organizations/${orgId}/members/${c!.userId}`, { role: "ApplicationManager" }),
      admin.patch(`/organizations/${orgId}/members/${c!.userId}`, { role: "SubscriptionManager" }),
      admin.post(`/organizations/${orgId}/members:assign-role`, { userIds: [c!.userId, d!.userId], role: null }),
      admin.delete(`/organizations/${orgId}/members/${d!.userId}`),
    ]);
    for (const r of replies) expect([200, 204, 403, 404, 409], JSON.stringify(r.body)).toContain(r.status);
    const made = replies.filter((r) => r.status < 300);
    expect(made.length).toBeGreaterThan(0);
    // The Administrator is always a Subscription Manager: that demotion is refused whatever the order, with 409, or
    // with 403 when a's own demotion (replies 1 and 2) landed first and a no longer holds the authority to ask.
    expect([403, 409]).toContain(replies[3]!.status);
    const listed = (await admin.get(`/organizations/${orgId}/members?limit=100`)).body.items as {
      userId: string;
      role: string;
    }[];
    expect(listed.find((m) => m.userId === admin.userId)?.role).toBe("SubscriptionManager");
    const entries = since(await orgTrail(admin, orgId), before);
    expect(entries).toHaveLength(made.length);
    // Each entry's before is the state the previous entry of that member left: one total order.
    const last = new Map<string, unknown>();
    for (const e of entries.filter((x) => x.target.type === "member")) {
      if (last.has(e.target.id)) expect(e.before).toEqual(last.get(e.target.id));
      last.set(e.target.id, e.after);
    }
  });

  it("concurrent owner takes and access list changes leave exactly one entry per change made", async () => {
    const t = await teamWith(api, { one: "Manage", two: "Manage", three: "Write" });
    const { one, two, three } = t.members as Record<string, Client>;
    const connection = await ok(one!.post(`/imodels/${t.imodelId}/connections`, { name: "Sync", files: [] }));
    // Read from the organisation's trail: the list that wins may leave any of them without Manage.
    const ofImodel = async () => (await orgTrail(t.admin, t.orgId)).filter((e) => e.imodelId === t.imodelId);
    const before = await ofImodel();
    const list = (who: Client) => ({ members: [{ userId: who.userId, roles: ["Manage"] }] });
    const replies = await Promise.all([
      two!.post(`/connections/${connection.id}/owner:take`),
      three!.post(`/connections/${connection.id}/owner:take`),
      t.admin.post(`/connections/${connection.id}/owner:take`),
      one!.put(`/imodels/${t.imodelId}/access`, list(one!)),
      two!.put(`/imodels/${t.imodelId}/access`, list(two!)),
      t.admin.put(`/imodels/${t.imodelId}/access`, list(t.admin)),
    ]);
    for (const r of replies) expect([200, 403, 404, 409], JSON.stringify(r.body)).toContain(r.status);
    const made = replies.filter((r) => r.status === 200);
    const entries = since(await ofImodel(), before);
    expect(entries).toHaveLength(made.length);
    const owners = entries.filter((e) => e.action === "connection.ownerChanged");
    for (const [i, e] of owners.entries())
      expect(e.before!.ownerId).toBe(i === 0 ? one!.userId : owners[i - 1]!.after!.ownerId);
  });
});

describe("reading the trail", () => {
  it("pages newest first with cursors bound to their trail", async () => {
    const t = await teamWith(api, { a: "Read" });
    for (const roles of [["View"], ["Read"], ["View"], ["Read"]])
      await ok(t.admin.patch(`/itwins/${t.itwinId}/members/${t.members.a!.userId}`, { roles }));
    await ok(
      t.admin.put(`/imodels/${t.imodelId}/access`, { members: [{ userId: t.admin.userId, roles: ["Manage"] }] }),
    );
    const first = await t.admin.get(`/organizations/${t.orgId}/audit?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items[0].action).toBe("accessList.set");
    const all = await trail(t.admin, `/organizations/${t.orgId}/audit`, 2);
    const times = all.map((e) => e.at);
    expect([...times].sort().reverse()).toEqual(times);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    expect(all.slice(0, 2)).toEqual(first.body.items);
    // A cursor of one trail is refused by another.
    const other = await orgWith(api);
    expect((await other.admin.get(`/organizations/${other.orgId}/audit?cursor=${first.body.next}`)).status).toBe(400);
    expect((await t.admin.get(`/imodels/${t.imodelId}/audit?cursor=${first.body.next}`)).status).toBe(400);
    await ok(t.admin.delete(`/imodels/${t.imodelId}/access`));
    const imodelPage = await t.admin.get(`/imodels/${t.imodelId}/audit?limit=1`);
    expect(imodelPage.body.items[0].action).toBe("accessList.removed");
    const second = await t.admin.get(`/imodels/${t.imodelId}/audit?limit=1&cursor=${imodelPage.body.next}`);
    expect(second.body.items.map((e: Entry) => e.action)).toEqual(["accessList.set"]);
    expect((await t.admin.get(`/organizations/${t.orgId}/audit?cursor=${imodelPage.body.next}`)).status).toBe(400);
  });

  it("keeps entries 400 days: each says when it expires, and past that it is no longer answered", async () => {
    const { orgId, admin } = await orgWith(api, { dev: "Developer" });
    const [entry] = await orgTrail(admin, orgId);
    expect(Date.parse(entry!.expiresAt) - Date.parse(entry!.at)).toBe(400 * 24 * 60 * 60 * 1000);
    // A cursor older than the horizon (aged, or made up) ends the list rather than failing.
    const old = (key: Record<string, string>) => Buffer.from(JSON.stringify(key)).toString("base64url");
    const aged = await admin.get(
      `/organizations/${orgId}/audit?cursor=${old({ pk: `AUDIT#ORG#${orgId}`, sk: "AUDIT#2000-01-01T00:00:00.000Z#x" })}`,
    );
    expect(aged.status).toBe(200);
    expect(aged.body).toEqual({ items: [] });
    const offset = clockOffset();
    try {
      setClockOffset(offset + 399 * 24 * 60 * 60 * 1000);
      const later = await api.as(admin.userId);
      expect((await orgTrail(later, orgId)).length).toBeGreaterThan(0);
      setClockOffset(offset + 401 * 24 * 60 * 60 * 1000);
      const muchLater = await api.as(admin.userId);
      expect(await orgTrail(muchLater, orgId)).toEqual([]);
    } finally {
      setClockOffset(offset);
    }
  });
});

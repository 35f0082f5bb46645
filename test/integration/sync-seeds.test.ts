// Issue 14 through HTTP with a controlled clock: synchronization requests are portal visits, who may take a connection and who is told, deletes that leave nothing behind, failing runs told once.
import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { makeApp } from "../../shared/app";
import { advanceClock, clock } from "../../shared/clock";
import { config } from "../../shared/config";
import { makeDocumentClient } from "../../shared/store/client";
import { keys } from "../../shared/store/keys";
import { startApi, type Client, type TestApi } from "../support/api";
import { emailOf, mailTo, teamWith } from "../support/sync";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

const DAY = 24 * 60 * 60 * 1000;
const files = [{ id: "a.dgn", name: "a.dgn", version: "1" }];
const tick = async () =>
  (await api.request("POST", "/_local/tick")).body as { at: string; work: Record<string, number> };
/** Moves the clock and signs everyone given in again (a sign-in token lives one hour). */
async function later<T extends Record<string, Client>>(ms: number, who: T): Promise<T> {
  advanceClock(ms);
  return Object.fromEntries(
    await Promise.all(Object.entries(who).map(async ([k, c]) => [k, await api.as(c.userId)])),
  ) as T;
}
const ddb = () => makeDocumentClient({ region: "local", endpoint: inject("dynamodbEndpoint") });
const tokenItem = async (userId: string) =>
  (
    await ddb().send(
      new GetCommand({ TableName: config.TABLE_NAME, Key: keys.syncToken(userId), ConsistentRead: true }),
    )
  ).Item;
/** The subjects of the mail each client received since `snapshot` was taken. */
async function mailSince(snapshot: Map<string, number>, clients: Record<string, Client>) {
  const out: Record<string, string[]> = {};
  for (const [name, c] of Object.entries(clients)) {
    const all = await mailTo(emailOf(c));
    out[name] = all.slice(snapshot.get(c.userId) ?? 0).map((m) => m.subject);
  }
  return out;
}
async function snapshotOf(clients: Record<string, Client>) {
  const counts = new Map<string, number>();
  for (const c of Object.values(clients)) counts.set(c.userId, (await mailTo(emailOf(c))).length);
  return counts;
}
/** A document client that records the name of every request it sends. */
function countingClient() {
  const client = ddb();
  const calls: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push(String(context.commandName));
      return next(args);
    },
    { step: "finalizeRequest", priority: "low", name: "countRequests" },
  );
  return { ddb: client, calls };
}
const expiresIn = (token: { expiresAt: string }) => Date.parse(token.expiresAt) - clock.now().getTime();

describe("synchronization requests are portal visits", () => {
  it("gives a new connection's creator who never visited a valid token, so its scheduled runs succeed", async () => {
    const team = await teamWith(api, { creator: "Write" });
    const creator = team.members.creator!;
    expect((await creator.get("/me/sync-token")).body).toEqual({ status: "unknown" });
    const created = await creator.post(`/imodels/${team.imodelId}/connections`, {
      name: "Nightly",
      files,
      schedule: { every: "P1D" },
    });
    expect(created.status).toBe(201);
    const token = (await creator.get("/me/sync-token")).body;
    expect(token.status).toBe("valid");
    expect(Math.abs(expiresIn(token) - 30 * DAY)).toBeLessThan(5000);

    const { c } = await later(DAY, { c: creator });
    await tick();
    const runs = (await c.get(`/connections/${created.body.id}/runs`)).body.items;
    expect(runs).toMatchObject([{ trigger: "scheduled", state: "succeeded" }]);
    expect(await mailTo(emailOf(creator))).toEqual([]);
  });

  it("renews the token in its last 10 days on editing, reading, starting, taking or POST /me/sync-token, not earlier, and not on reading runs", async () => {
    const team = await teamWith(api, {
      editor: "Write",
      reader: "Write",
      starter: "Write",
      taker: "Write",
      visitor: "Write",
      lister: "Write",
    });
    let m = team.members;
    const { body: connection } = await m.editor!.post(`/imodels/${team.imodelId}/connections`, { name: "c", files });
    for (const c of Object.values(m)) expect((await c.post("/me/sync-token")).body.status).toBe("valid");
    const first = (await m.editor!.get("/me/sync-token")).body;

    const acts = (x: typeof m) => [
      x.editor!.patch(`/connections/${connection.id}`, { name: "renamed" }),
      x.reader!.get(`/connections/${connection.id}`),
      x.visitor!.post("/me/sync-token"),
      x.lister!.get(`/connections/${connection.id}/runs`),
    ];
    // Day 19: more than 10 days left, nothing changes.
    m = await later(19 * DAY, m);
    for (const reply of await Promise.all(acts(m))) expect(reply.status).toBeLessThan(300);
    for (const c of Object.values(m))
      expect(Math.abs(expiresIn((await c.get("/me/sync-token")).body) - 11 * DAY)).toBeLessThan(5000);
    expect((await m.editor!.get("/me/sync-token")).body.expiresAt).toBe(first.expiresAt);

    // Day 21: in the last 10 days, every synchronization request renews the caller's token to 30 days from now.
    m = await later(2 * DAY, m);
    for (const reply of await Promise.all(acts(m))) expect(reply.status).toBeLessThan(300);
    expect((await m.starter!.post(`/connections/${connection.id}/runs`)).status).toBe(201);
    expect((await m.taker!.post(`/connections/${connection.id}/owner:take`)).status).toBe(200);
    for (const name of ["editor", "reader", "starter", "taker", "visitor"]) {
      const token = (await m[name]!.get("/me/sync-token")).body;
      expect(Math.abs(expiresIn(token) - 30 * DAY), name).toBeLessThan(5000);
    }
    // Reading the runs list is not in the list of visits: the lister's token still ends on day 30.
    expect(Math.abs(expiresIn((await m.lister!.get("/me/sync-token")).body) - 9 * DAY)).toBeLessThan(5000);

    // Day 52: the editor's token (renewed on day 21) has expired; reading the connection issues a new one.
    m = await later(31 * DAY, m);
    expect((await m.editor!.get("/me/sync-token")).body.status).toBe("expired");
    expect((await m.editor!.get(`/connections/${connection.id}`)).status).toBe(200);
    expect(Math.abs(expiresIn((await m.editor!.get("/me/sync-token")).body) - 30 * DAY)).toBeLessThan(5000);
  }, 60_000);

  it("survives 30 concurrent visits of one user without a token: every request succeeds, one token, every scheduled creation counted", async () => {
    const team = await teamWith(api, { user: "Write" });
    const user = team.members.user!;
    const { body: existing } = await team.admin.post(`/imodels/${team.imodelId}/connections`, {
      name: "read me",
      files,
    });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 3 === 0
          ? user.post(`/imodels/${team.imodelId}/connections`, { name: `c${i}`, files, schedule: { every: "P1D" } })
          : i % 3 === 1
            ? user.get(`/connections/${existing.id}`)
            : user.post("/me/sync-token"),
      ),
    );
    expect(answers.map((a) => a.status).filter((s) => s >= 300)).toEqual([]);
    const token = (await user.get("/me/sync-token")).body;
    expect(token.status).toBe("valid");
    // Every visit that issued a token after another one did would have moved it; all saw the same one.
    const expiries = new Set(answers.filter((_, i) => i % 3 === 2).map((a) => a.body.expiresAt));
    expect([...expiries]).toEqual([token.expiresAt]);
    expect((await tokenItem(user.userId))?.scheduledConnections).toBe(10);
  }, 60_000);

  it("costs no extra request: a read sends its one BatchGetItem, plus one write only when the token changes; a create writes the token in its own transaction", async () => {
    const team = await teamWith(api, { writer: "Write", reader: "Read" });
    const { ddb: counted, calls } = countingClient();
    const app = makeApp({ ddb: counted });
    const writer = {
      userId: team.members.writer!.userId,
      signedInAt: clock.now(),
      email: emailOf(team.members.writer!),
    };
    const reader = {
      userId: team.members.reader!.userId,
      signedInAt: clock.now(),
      email: emailOf(team.members.reader!),
    };

    calls.length = 0;
    const created = await app.sync.create(writer, team.imodelId, { name: "c", files, schedule: { every: "P1D" } });
    expect(calls).toEqual(["BatchGetItemCommand", "TransactWriteItemsCommand"]);
    expect(await tokenItem(writer.userId)).toMatchObject({ scheduledConnections: 1, token: { userId: writer.userId } });

    calls.length = 0;
    await app.sync.get(reader, created.id);
    expect(calls).toEqual(["BatchGetItemCommand", "UpdateItemCommand"]);
    expect((await tokenItem(reader.userId))?.token).toBeDefined();
    calls.length = 0;
    await app.sync.get(reader, created.id);
    expect(calls).toEqual(["BatchGetItemCommand"]);
  });
});

describe("ownership: who may take, who is told, what the answer warns", () => {
  it("tells the new owner unless they acted and the original owner unless they acted, row by row", async () => {
    const team = await teamWith(api, { owner: "Write", next: "Read", manager: "Manage", viewer: "View" });
    const { owner, next, manager, viewer } = team.members as Record<string, Client>;
    const everyone = { owner: owner!, next: next!, manager: manager!, viewer: viewer! };
    const fresh = async (name: string) =>
      (await owner!.post(`/imodels/${team.imodelId}/connections`, { name, files })).body.id as string;

    // handOn: the owner hands it to someone else.
    let id = await fresh("Row 1");
    let snapshot = await snapshotOf(everyone);
    let reply = await owner!.post(`/connections/${id}/owner`, { userId: next!.userId });
    expect(reply.status).toBe(200);
    expect(reply.body.warnings.map((w: { code: string }) => w.code)).toEqual(["OwnerTokenNotValid", "OwnerLacksWrite"]);
    expect(await mailSince(snapshot, everyone)).toEqual({
      owner: [],
      next: ['You now own the connection "Row 1"'],
      manager: [],
      viewer: [],
    });

    // handOnByManager: a Manage holder hands someone else's connection on.
    id = await fresh("Row 2");
    snapshot = await snapshotOf(everyone);
    reply = await manager!.post(`/connections/${id}/owner`, { userId: next!.userId });
    expect(reply.status).toBe(200);
    expect(await mailSince(snapshot, everyone)).toEqual({
      owner: [`${manager!.userId} handed your connection "Row 2" to someone else`],
      next: ['You now own the connection "Row 2"'],
      manager: [],
      viewer: [],
    });

    // A Manage holder handing it to themselves: a take.
    id = await fresh("Row 3");
    snapshot = await snapshotOf(everyone);
    reply = await manager!.post(`/connections/${id}/owner`, { userId: manager!.userId });
    expect(reply.status).toBe(200);
    expect(reply.body.warnings).toEqual([]);
    expect(reply.body.newOwner.token.status).toBe("valid");
    expect(await mailSince(snapshot, everyone)).toEqual({
      owner: [`${manager!.userId} took ownership of "Row 3"`],
      next: [],
      manager: [],
      viewer: [],
    });

    // take by a View member.
    id = await fresh("Row 4");
    snapshot = await snapshotOf(everyone);
    reply = await viewer!.post(`/connections/${id}/owner:take`);
    expect(reply.status).toBe(200);
    expect(reply.body.warnings.map((w: { code: string }) => w.code)).toEqual(["OwnerLacksWrite"]);
    expect(await mailSince(snapshot, everyone)).toEqual({
      owner: [`${viewer!.userId} took ownership of "Row 4"`],
      next: [],
      manager: [],
      viewer: [],
    });
  }, 60_000);

  it("counts GET /imodels/{id}/permissions as an interaction (once a day, the check still one BatchGetItem), so the asker can receive a connection", async () => {
    const team = await teamWith(api, { owner: "Write", asker: "Read", silent: "Read" }, { interact: false });
    const { owner, asker, silent } = team.members as Record<string, Client>;
    const { body: connection } = await owner!.post(`/imodels/${team.imodelId}/connections`, { name: "Handed", files });
    expect((await asker!.get(`/imodels/${team.imodelId}/permissions`)).status).toBe(200);

    const refused = await owner!.post(`/connections/${connection.id}/owner`, { userId: silent!.userId });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("NewOwnerNeverInteracted");
    const snapshot = await snapshotOf({ owner: owner!, asker: asker!, silent: silent! });
    expect((await owner!.post(`/connections/${connection.id}/owner`, { userId: asker!.userId })).status).toBe(200);
    expect(await mailSince(snapshot, { owner: owner!, asker: asker!, silent: silent! })).toEqual({
      owner: [],
      asker: ['You now own the connection "Handed"'],
      silent: [],
    });

    const { ddb: counted, calls } = countingClient();
    const app = makeApp({ ddb: counted });
    const who = { userId: silent!.userId, signedInAt: clock.now() };
    calls.length = 0;
    await app.imodels.permissions(who, team.imodelId);
    expect(calls).toEqual(["BatchGetItemCommand", "UpdateItemCommand"]);
    calls.length = 0;
    await app.imodels.permissions(who, team.imodelId);
    expect(calls).toEqual(["BatchGetItemCommand"]);
  });
});

describe("deletes leave nothing behind", () => {
  it("removes the runs and the owners' scheduled counts with an iModel or a Test iTwin: no token mail about connections that are gone", async () => {
    const team = await teamWith(api, { owner: "Write" });
    let { owner, admin } = { owner: team.members.owner!, admin: team.admin };
    const inImodel = (
      await owner.post(`/imodels/${team.imodelId}/connections`, {
        name: "Gone with the iModel",
        files,
        schedule: { every: "P1D" },
      })
    ).body.id as string;
    const sandbox = (await admin.post(`/organizations/${team.orgId}/test-itwins`, { name: "Sandbox" })).body
      .id as string;
    const testImodel = (await admin.post(`/itwins/${sandbox}/imodels`, { name: "Scratch" })).body.id as string;
    const inSandbox = (
      await admin.post(`/imodels/${testImodel}/connections`, {
        name: "Gone with the Test iTwin",
        files,
        schedule: { every: "P1D" },
      })
    ).body.id as string;
    expect(inSandbox).toBeDefined();

    ({ owner, admin } = await later(DAY, { owner, admin }));
    await tick();
    const runIds = async (connectionId: string) =>
      (
        (
          await ddb().send(
            new QueryCommand({
              TableName: config.TABLE_NAME,
              KeyConditionExpression: "pk = :pk",
              ExpressionAttributeValues: { ":pk": `CONN#${connectionId}` },
            }),
          )
        ).Items ?? []
      ).map((i) => i.runId as string);
    const before = [...(await runIds(inImodel)), ...(await runIds(inSandbox))];
    expect(before).toHaveLength(2);
    expect((await tokenItem(owner.userId))?.scheduledConnections).toBe(1);
    expect((await tokenItem(admin.userId))?.scheduledConnections).toBe(1);

    expect((await admin.delete(`/imodels/${team.imodelId}`)).status).toBe(204);
    expect((await admin.delete(`/test-itwins/${sandbox}`)).status).toBe(204);

    expect((await tokenItem(owner.userId))?.scheduledConnections).toBe(0);
    expect((await tokenItem(admin.userId))?.scheduledConnections).toBe(0);
    expect([...(await runIds(inImodel)), ...(await runIds(inSandbox))]).toEqual([]);
    for (const runId of before)
      expect(
        (await ddb().send(new GetCommand({ TableName: config.TABLE_NAME, Key: keys.run(runId) }))).Item,
      ).toBeUndefined();

    // Days 23 (warning), 29 (warning) and 31 (expiry) pass: neither owner hears of a connection that no longer exists.
    const snapshot = await snapshotOf({ owner, admin });
    for (const days of [22, 6, 2]) {
      ({ owner, admin } = await later(days * DAY, { owner, admin }));
      await tick();
    }
    expect(await mailSince(snapshot, { owner, admin })).toEqual({ owner: [], admin: [] });
  }, 60_000);
});

describe("failing runs are told", () => {
  it("mails the owner once per streak of failing scheduled runs (lost Write, then left the team), and shows lastRun and failingSince", async () => {
    const team = await teamWith(api, { owner: "Write", colleague: "Read" });
    let { owner, colleague, admin } = {
      owner: team.members.owner!,
      colleague: team.members.colleague!,
      admin: team.admin,
    };
    const id = (
      await owner.post(`/imodels/${team.imodelId}/connections`, { name: "Daily", files, schedule: { every: "P1D" } })
    ).body.id as string;
    const everyone = () => ({ owner, colleague, admin });
    const snapshot = await snapshotOf(everyone());
    const day = async () => {
      ({ owner, colleague, admin } = await later(DAY, everyone()));
      await tick();
      return (await colleague.get(`/connections/${id}`)).body;
    };

    let seen = await day();
    expect(seen.lastRun).toMatchObject({ state: "succeeded" });
    expect(seen.failingSince).toBeUndefined();

    expect((await admin.patch(`/itwins/${team.itwinId}/members/${owner.userId}`, { roles: ["Read"] })).status).toBe(
      200,
    );
    seen = await day();
    expect(seen.lastRun).toMatchObject({ state: "failed", reason: "OwnerLacksPermission" });
    const since = seen.failingSince as string;
    expect(since).toBe(seen.lastRun.finishedAt);
    seen = await day();
    expect(seen.failingSince).toBe(since);
    expect(await mailSince(snapshot, everyone())).toEqual({
      owner: ['Scheduled runs of "Daily" are failing'],
      colleague: [],
      admin: [],
    });

    // Write again: the next run succeeds and ends the streak.
    expect((await admin.patch(`/itwins/${team.itwinId}/members/${owner.userId}`, { roles: ["Write"] })).status).toBe(
      200,
    );
    seen = await day();
    expect(seen.lastRun.state).toBe("succeeded");
    expect(seen.failingSince).toBeUndefined();

    // The owner leaves the team: a new streak, one more mail.
    expect((await admin.delete(`/itwins/${team.itwinId}/members/${owner.userId}`)).status).toBe(204);
    seen = await day();
    seen = await day();
    expect(seen.lastRun).toMatchObject({ state: "failed", reason: "OwnerLacksPermission" });
    expect(await mailSince(snapshot, everyone())).toEqual({
      owner: ['Scheduled runs of "Daily" are failing', 'Scheduled runs of "Daily" are failing'],
      colleague: [],
      admin: [],
    });
  }, 60_000);
});

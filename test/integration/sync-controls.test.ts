// The connections I own, pausing a schedule and cancelling a run (issue 15), through HTTP against DynamoDB Local: each rule, who may, and the races
// (two cancels, a cancel and the worker, a pause and a due tick). Background jobs are held so a test decides when a worker works.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { makeApp } from "../../shared/app";
import { advanceClock, clock } from "../../shared/clock";
import type { Job } from "../../shared/jobs";
import { dueKeys } from "../../shared/store/due";
import { startApi, uniqueUser, type Client, type TestApi } from "../support/api";
import { teamWith } from "../support/sync";

const HOUR = 3600 * 1000;
const files = [{ id: "f", name: "plant.dgn", version: "1" }];

/** Holds a TransactWriteItems that `match`es until released: a worker stopped between two steps (injected, to place a request in between). */
interface Gate {
  reached: Promise<void>;
  release(): void;
}

function gatedClient() {
  const gates: { match: (input: any) => boolean; reached: () => void; open: Promise<void> }[] = [];
  const client = new DynamoDBClient({
    region: "local",
    endpoint: inject("dynamodbEndpoint"),
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  client.middlewareStack.add(
    (next, context) => async (args: any) => {
      if (/TransactWrite/.test(String(context.commandName))) {
        const gate = gates.find((g) => g.match(args.input));
        if (gate) {
          gates.splice(gates.indexOf(gate), 1);
          gate.reached();
          await gate.open;
        }
      }
      return next(args);
    },
    { step: "initialize", name: "gate" },
  );
  return {
    ddb: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    hold(match: (input: any) => boolean): Gate {
      let reached!: () => void;
      let release!: () => void;
      const gate: Gate = {
        reached: new Promise<void>((r) => {
          reached = r;
        }),
        release: () => release(),
      };
      gates.push({ match, reached, open: new Promise<void>((r) => (release = r)) });
      return gate;
    },
  };
}

/** The first action of a transaction: the run's own update in `to running` and in a run's finish. */
const runUpdate = (input: any) => input?.TransactItems?.[0]?.Update;
const isToRunning = (input: any) => /^SET #state = :running/.test(runUpdate(input)?.UpdateExpression ?? "");
const isFinish = (input: any) => ":state" in (runUpdate(input)?.ExpressionAttributeValues ?? {});
const isCancel = (input: any) => ":failed" in (runUpdate(input)?.ExpressionAttributeValues ?? {});

const held: Job[] = [];
const gated = gatedClient();
const app = makeApp({ ddb: gated.ddb, jobs: { enqueue: async (job) => void held.push(job) } });
const raw = makeDocumentClient();
let api: TestApi;
beforeAll(async () => {
  api = await startApi({ app });
});
afterAll(() => api.close());

function makeDocumentClient() {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: "local",
      endpoint: inject("dynamodbEndpoint"),
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    }),
  );
}

/** Works every held job (and what they enqueue) as the worker would. */
async function drain(): Promise<void> {
  while (held.length) await app.work(held.shift()!);
}

/** Takes the held execution of `runId` without working it: the run stays queued until the test works it. */
function takeExecution(runId: string): Job {
  const at = held.findIndex((j) => j.kind === "executeRun" && j.run.id === runId);
  expect(at).toBeGreaterThanOrEqual(0);
  return held.splice(at, 1)[0]!;
}

/** Whether the connection has an entry in the trigger's `due` index (what the tick's cost grows with). */
async function inDueIndex(connectionId: string): Promise<boolean> {
  const out = await raw.send(
    new QueryCommand({
      TableName: process.env.TABLE_NAME!,
      IndexName: "due",
      KeyConditionExpression: "duePk = :pk",
      FilterExpression: "sk = :sk",
      ExpressionAttributeValues: {
        ":pk": dueKeys("RUN", connectionId, clock.now()).duePk,
        ":sk": `CONN#${connectionId}`,
      },
    }),
  );
  return (out.Items ?? []).length > 0;
}

async function itemsOf(pk: string) {
  const out = await raw.send(
    new QueryCommand({
      TableName: process.env.TABLE_NAME!,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": pk },
      ConsistentRead: true,
    }),
  );
  return out.Items ?? [];
}

const tick = () => app.tick.run();
const create = async (as: Client, imodelId: string, body: Record<string, unknown> = {}) => {
  const created = await as.post(`/imodels/${imodelId}/connections`, { name: "Plant files", files, ...body });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as { id: string; nextDueAt?: string };
};
const runsOf = async (as: Client, connectionId: string) =>
  (await as.get(`/connections/${connectionId}/runs?limit=100`)).body.items as {
    id: string;
    state: string;
    reason?: string;
    trigger: string;
  }[];
const changesetCount = async (as: Client, imodelId: string) =>
  ((await as.get(`/imodels/${imodelId}/changesets?limit=100`)).body.items as unknown[]).length;

describe("GET /me/connections", () => {
  it("lists the connections I own with iModel, schedule, pause, next due time, last run and my token state; follows a take, a transfer and a deletion", async () => {
    const team = await teamWith(api, { owner: "Write", taker: "Write" });
    const owner = team.members.owner!;
    const taker = team.members.taker!;
    const nightly = await create(owner, team.imodelId, { name: "Nightly", schedule: { every: "P1D" } });
    const manual = await create(owner, team.imodelId, { name: "Manual" });
    const run = await owner.post(`/connections/${manual.id}/runs`);
    await drain();

    const mine = await owner.get("/me/connections");
    expect(mine.status).toBe(200);
    const token = (await owner.get("/me/sync-token")).body;
    const byName = Object.fromEntries((mine.body.items as any[]).map((c) => [c.name, c]));
    expect(Object.keys(byName).sort()).toEqual(["Manual", "Nightly"]);
    expect(byName.Nightly).toEqual({
      id: nightly.id,
      name: "Nightly",
      imodelId: team.imodelId,
      itwinId: team.itwinId,
      schedule: { every: "P1D" },
      paused: false,
      nextDueAt: nightly.nextDueAt,
      ownerToken: token,
    });
    expect(byName.Manual).toMatchObject({
      paused: false,
      lastRun: { id: run.body.id, state: "succeeded" },
      ownerToken: { status: "valid" },
    });
    expect(byName.Manual.nextDueAt).toBeUndefined();

    // Taken: it leaves the owner's list and joins the taker's, with the taker's token.
    expect((await taker.post(`/connections/${nightly.id}/owner:take`)).status).toBe(200);
    expect(((await owner.get("/me/connections")).body.items as any[]).map((c) => c.id)).toEqual([manual.id]);
    const takers = (await taker.get("/me/connections")).body.items as any[];
    expect(takers.map((c) => c.id)).toEqual([nightly.id]);
    expect(takers[0].ownerToken).toEqual((await taker.get("/me/sync-token")).body);

    // Handed back, then deleted.
    expect((await taker.post(`/connections/${nightly.id}/owner`, { userId: owner.userId })).status).toBe(200);
    expect(((await taker.get("/me/connections")).body.items as any[]).length).toBe(0);
    expect((await owner.delete(`/connections/${nightly.id}`)).status).toBe(204);
    expect(((await owner.get("/me/connections")).body.items as any[]).map((c) => c.id)).toEqual([manual.id]);
  });

  it("forgets the connections of a deleted iModel once the worker purged them", async () => {
    const team = await teamWith(api, { owner: "Write" });
    const owner = team.members.owner!;
    await create(owner, team.imodelId, { schedule: { every: "PT1H" } });
    expect((await team.admin.delete(`/imodels/${team.imodelId}`)).status).toBe(204);
    await drain();
    expect((await owner.get("/me/connections")).body).toEqual({ items: [] });
  });

  it("pages with a cursor (each page with my token state) and refuses a forged cursor", async () => {
    const team = await teamWith(api, { owner: "Write" });
    const owner = team.members.owner!;
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await create(owner, team.imodelId, { name: `C${i}` })).id);
    const first = await owner.get("/me/connections?limit=2");
    expect(first.body.items).toHaveLength(2);
    expect(first.body.next).toBeTruthy();
    const second = await owner.get(`/me/connections?limit=2&cursor=${first.body.next}`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.next).toBeUndefined();
    expect(second.body.items[0].ownerToken.status).toBe("valid");
    expect([...first.body.items, ...second.body.items].map((c: any) => c.id).sort()).toEqual(ids.sort());

    // Another user's cursor, or a made-up one, is not a cursor of this list.
    const other = await api.as(uniqueUser("other"));
    expect((await other.get(`/me/connections?cursor=${first.body.next}`)).status).toBe(400);
    const forged = Buffer.from(JSON.stringify({ gsi1pk: `OWNER#${owner.userId}`, gsi1sk: "CONN#x" })).toString(
      "base64url",
    );
    expect((await owner.get(`/me/connections?cursor=${forged}`)).status).toBe(400);
  });

  it("shows an expired token as expired: listing is not a visit", async () => {
    const team = await teamWith(api, { owner: "Write" });
    await create(team.members.owner!, team.imodelId, { schedule: { every: "P1D" } });
    advanceClock(31 * 24 * HOUR);
    const owner = await api.as(team.members.owner!.userId);
    const listed = (await owner.get("/me/connections")).body.items as any[];
    expect(listed[0].ownerToken.status).toBe("expired");
    expect((await owner.get("/me/sync-token")).body.status).toBe("expired");
  });

  it("answers an empty list to someone who owns nothing", async () => {
    const nobody = await api.as(uniqueUser("nobody"));
    expect((await nobody.get("/me/connections")).body).toEqual({ items: [] });
  });
});

describe("pausing a schedule: PATCH /connections/{id} { paused }", () => {
  it("runs nothing while paused (the connection leaves the due index), and on resume runs at the next occurrence after now, nothing caught up", async () => {
    const team = await teamWith(api, { owner: "Write" });
    let owner = team.members.owner!;
    const c = await create(owner, team.imodelId, { schedule: { every: "PT1H" } });
    expect(await inDueIndex(c.id)).toBe(true);

    const paused = await owner.patch(`/connections/${c.id}`, { paused: true });
    expect(paused.status).toBe(200);
    expect(paused.body.paused).toBe(true);
    expect(paused.body.nextDueAt).toBeUndefined();
    expect(await inDueIndex(c.id)).toBe(false);
    expect(((await owner.get("/me/connections")).body.items as any[])[0]).toMatchObject({ id: c.id, paused: true });

    advanceClock(3 * HOUR);
    owner = await api.as(owner.userId);
    await tick();
    await drain();
    expect(await runsOf(owner, c.id)).toEqual([]);

    const resumed = await owner.patch(`/connections/${c.id}`, { paused: false });
    expect(resumed.status).toBe(200);
    expect(resumed.body.paused).toBe(false);
    const next = Date.parse(resumed.body.nextDueAt);
    expect(next).toBeGreaterThan(clock.now().getTime());
    expect(next).toBeLessThanOrEqual(clock.now().getTime() + HOUR);
    expect(await inDueIndex(c.id)).toBe(true);
    // The three missed occurrences are not caught up.
    await tick();
    await drain();
    expect(await runsOf(owner, c.id)).toEqual([]);
    advanceClock(HOUR);
    owner = await api.as(owner.userId);
    await tick();
    await drain();
    expect((await runsOf(owner, c.id)).map((r) => [r.trigger, r.state])).toEqual([["scheduled", "succeeded"]]);
  });

  it("keeps a schedule set while paused waiting for the resume; pausing twice or resuming a running schedule changes nothing", async () => {
    const team = await teamWith(api, { owner: "Write" });
    const owner = team.members.owner!;
    const c = await create(owner, team.imodelId);
    expect((await owner.patch(`/connections/${c.id}`, { paused: true })).body.paused).toBe(true);
    expect((await owner.patch(`/connections/${c.id}`, { paused: true })).body.paused).toBe(true);
    const scheduled = await owner.patch(`/connections/${c.id}`, { schedule: { every: "P1D" } });
    expect(scheduled.body).toMatchObject({ paused: true, schedule: { every: "P1D" } });
    expect(scheduled.body.nextDueAt).toBeUndefined();
    expect(await inDueIndex(c.id)).toBe(false);
    const resumed = await owner.patch(`/connections/${c.id}`, { paused: false, name: "Daily" });
    expect(resumed.body).toMatchObject({ paused: false, name: "Daily" });
    expect(resumed.body.nextDueAt).toBeTruthy();
    const again = await owner.patch(`/connections/${c.id}`, { paused: false });
    expect(again.body.nextDueAt).toBe(resumed.body.nextDueAt);
  });

  it("needs the permission that changes the schedule (imodels_write): View and Read 403, outsiders 404, also a Write member demoted with an old token", async () => {
    const team = await teamWith(api, {
      viewer: "View",
      reader: "Read",
      writer: "Write",
      manager: "Manage",
      deleter: "Delete",
      demoted: "Write",
    });
    const m = team.members as Record<string, Client>;
    const c = await create(m.writer!, team.imodelId, { schedule: { every: "P1D" } });
    const outsider = await api.as(uniqueUser("outsider"));
    const statuses: Record<string, number> = {};
    for (const [name, client] of [...Object.entries(m), ["outsider", outsider] as const]) {
      if (name === "demoted") continue;
      statuses[name] = (await client.patch(`/connections/${c.id}`, { paused: true })).status;
    }
    expect(statuses).toEqual({ viewer: 403, reader: 403, writer: 200, manager: 200, deleter: 200, outsider: 404 });
    expect(
      (await team.admin.patch(`/itwins/${team.itwinId}/members/${m.demoted!.userId}`, { roles: ["Read"] })).status,
    ).toBe(200);
    expect((await m.demoted!.patch(`/connections/${c.id}`, { paused: false })).status).toBe(403);
    expect((await m.writer!.get(`/connections/${c.id}`)).body.paused).toBe(true);
  });

  it("a pause and a due tick at once: no run starts once the pause answered, and the connection stays out of the due index", async () => {
    for (let round = 0; round < 4; round++) {
      const team = await teamWith(api, { owner: "Write" });
      let owner = team.members.owner!;
      const c = await create(owner, team.imodelId, { schedule: { every: "PT1H" } });
      advanceClock(HOUR + 60_000);
      owner = await api.as(owner.userId);
      const [paused] = await Promise.all([
        owner.patch(`/connections/${c.id}`, { paused: true }),
        (async () => {
          await tick();
          await drain();
        })(),
      ]);
      expect(paused.status, JSON.stringify(paused.body)).toBe(200);
      await drain();
      const raced = (await runsOf(owner, c.id)).length;
      expect(raced).toBeLessThanOrEqual(1);
      const after = (await owner.get(`/connections/${c.id}`)).body;
      expect(after.paused).toBe(true);
      expect(after.nextDueAt).toBeUndefined();
      expect(await inDueIndex(c.id)).toBe(false);
      advanceClock(2 * HOUR);
      owner = await api.as(owner.userId);
      await tick();
      await drain();
      expect(await runsOf(owner, c.id)).toHaveLength(raced);
    }
  });
});

describe("cancelling a run: POST /runs/{runId}/cancel", () => {
  it("ends a queued run failed/Cancelled and frees the connection at once; the worker that takes it later appends nothing", async () => {
    const team = await teamWith(api, { owner: "Write" });
    const owner = team.members.owner!;
    const c = await create(owner, team.imodelId);
    const run = (await owner.post(`/connections/${c.id}/runs`)).body;
    const execution = takeExecution(run.id);

    const cancelled = await owner.post(`/runs/${run.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: run.id, state: "failed", reason: "Cancelled" });
    expect((await owner.get(`/runs/${run.id}`)).body).toMatchObject({ state: "failed", reason: "Cancelled" });
    const connection = (await owner.get(`/connections/${c.id}`)).body;
    expect(connection.activeRunId).toBeUndefined();
    expect(connection.lastRun).toMatchObject({ id: run.id, state: "failed", reason: "Cancelled" });
    // A cancellation is no failure of the connection: no failing streak.
    expect(connection.failingSince).toBeUndefined();
    // Free at once: a new run starts.
    const next = await owner.post(`/connections/${c.id}/runs`);
    expect(next.status).toBe(201);

    await app.work(execution);
    expect((await owner.get(`/runs/${run.id}`)).body).toMatchObject({ state: "failed", reason: "Cancelled" });
    expect(await changesetCount(owner, team.imodelId)).toBe(0);
    await drain();
    expect((await owner.get(`/runs/${next.body.id}`)).body.state).toBe("succeeded");
    expect(await changesetCount(owner, team.imodelId)).toBe(1);
  });

  it("stops a running run (injected pause of the worker before its finish): the worker appends nothing", async () => {
    const team = await teamWith(api, { owner: "Write" });
    const owner = team.members.owner!;
    const c = await create(owner, team.imodelId);
    const run = (await owner.post(`/connections/${c.id}/runs`)).body;
    const gate = gated.hold(isFinish);
    const working = app.work(takeExecution(run.id));
    await gate.reached;
    expect((await owner.get(`/runs/${run.id}`)).body.state).toBe("running");
    expect((await owner.post(`/runs/${run.id}/cancel`)).status).toBe(200);
    gate.release();
    await working;
    expect((await owner.get(`/runs/${run.id}`)).body).toMatchObject({ state: "failed", reason: "Cancelled" });
    expect(await changesetCount(owner, team.imodelId)).toBe(0);
    expect((await owner.get(`/connections/${c.id}`)).body.activeRunId).toBeUndefined();
  });

  it("a worker that finishes between the cancel's read and its write wins (injected pause of the cancel): 409 RunEnded, the run succeeded with its changeset", async () => {
    const team = await teamWith(api, { owner: "Write" });
    const owner = team.members.owner!;
    const c = await create(owner, team.imodelId);
    const run = (await owner.post(`/connections/${c.id}/runs`)).body;
    const execution = takeExecution(run.id);
    const gate = gated.hold(isCancel);
    const cancelling = owner.post(`/runs/${run.id}/cancel`);
    await gate.reached;
    await app.work(execution);
    gate.release();
    const cancel = await cancelling;
    expect(cancel.status).toBe(409);
    expect(cancel.body.error).toMatchObject({ code: "RunEnded", details: { state: "succeeded" } });
    expect((await owner.get(`/runs/${run.id}`)).body.state).toBe("succeeded");
    expect(await changesetCount(owner, team.imodelId)).toBe(1);
    const connection = (await owner.get(`/connections/${c.id}`)).body;
    expect(connection.activeRunId).toBeUndefined();
    expect(connection.lastRun).toMatchObject({ id: run.id, state: "succeeded" });
  });

  it("answers 409 RunEnded for a run that already ended", async () => {
    const team = await teamWith(api, { owner: "Write" });
    const owner = team.members.owner!;
    const c = await create(owner, team.imodelId);
    const run = (await owner.post(`/connections/${c.id}/runs`)).body;
    await drain();
    const refused = await owner.post(`/runs/${run.id}/cancel`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "RunEnded", details: { runId: run.id, state: "succeeded" } });
    expect((await owner.get(`/runs/${run.id}`)).body.state).toBe("succeeded");
  });

  it("two cancels at once: one succeeds, the other answers 409 RunEnded", async () => {
    const team = await teamWith(api, { owner: "Write", other: "Manage" });
    const owner = team.members.owner!;
    const other = team.members.other!;
    const c = await create(owner, team.imodelId);
    for (let round = 0; round < 4; round++) {
      const run = (await owner.post(`/connections/${c.id}/runs`)).body;
      takeExecution(run.id);
      const answers = await Promise.all([owner.post(`/runs/${run.id}/cancel`), other.post(`/runs/${run.id}/cancel`)]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      expect(answers.find((a) => a.status === 409)!.body.error.code).toBe("RunEnded");
      expect((await owner.get(`/connections/${c.id}`)).body.activeRunId).toBeUndefined();
    }
  });

  it("a cancel and the worker finishing at once: exactly one wins, and the changeset is appended only when the run succeeded", async () => {
    const team = await teamWith(api, { owner: "Write" });
    const owner = team.members.owner!;
    const c = await create(owner, team.imodelId);
    const outcomes = new Set<string>();
    for (let round = 0; round < 8; round++) {
      expect((await owner.put(`/connections/${c.id}/files/f`, { version: String(round + 2) })).status).toBe(200);
      const before = await changesetCount(owner, team.imodelId);
      const run = (await owner.post(`/connections/${c.id}/runs`)).body;
      const execution = takeExecution(run.id);
      // The cancel leaves at a different moment of the worker's steps each round.
      const [cancel] = await Promise.all([
        new Promise((r) => setTimeout(r, round * 4)).then(() => owner.post(`/runs/${run.id}/cancel`)),
        app.work(execution),
      ]);
      const ended = (await owner.get(`/runs/${run.id}`)).body;
      const appended = (await changesetCount(owner, team.imodelId)) - before;
      if (cancel.status === 200) {
        expect(ended).toMatchObject({ state: "failed", reason: "Cancelled" });
        expect(appended).toBe(0);
      } else {
        expect(cancel.body.error.code).toBe("RunEnded");
        expect(ended.state).toBe("succeeded");
        expect(appended).toBe(1);
      }
      outcomes.add(ended.state);
      expect((await owner.get(`/connections/${c.id}`)).body.activeRunId).toBeUndefined();
    }
    expect(outcomes.size).toBeGreaterThan(0);
  });

  it("a scheduled run cancelled while its worker holds the organisation's slot (injected pause before `to running`): the worker skips it and gives the slot back", async () => {
    const team = await teamWith(api, { owner: "Write" });
    let owner = team.members.owner!;
    const c = await create(owner, team.imodelId, { schedule: { every: "PT1H" } });
    advanceClock(HOUR + 60_000);
    owner = await api.as(owner.userId);
    held.length = 0;
    await tick();
    const batch = held.findIndex((j) => j.kind === "startDue" && j.items.some((i) => i.id === c.id));
    expect(batch).toBeGreaterThanOrEqual(0);
    const job = held.splice(batch, 1)[0]!;
    const gate = gated.hold(isToRunning);
    const working = app.work(job);
    await gate.reached;
    expect(await itemsOf(`SLOTS#${team.orgId}`)).toHaveLength(1);
    const [queued] = await runsOf(owner, c.id);
    expect(queued).toMatchObject({ trigger: "scheduled", state: "queued" });
    expect((await owner.post(`/runs/${queued!.id}/cancel`)).status).toBe(200);
    gate.release();
    await working;
    await drain();
    expect((await owner.get(`/runs/${queued!.id}`)).body).toMatchObject({ state: "failed", reason: "Cancelled" });
    expect(await itemsOf(`SLOTS#${team.orgId}`)).toHaveLength(0);
    expect(await changesetCount(owner, team.imodelId)).toBe(0);
    // The schedule goes on: the next occurrence runs.
    advanceClock(HOUR);
    owner = await api.as(owner.userId);
    await tick();
    await drain();
    expect((await runsOf(owner, c.id)).map((r) => r.state)).toEqual(["succeeded", "failed"]);
  });

  it("needs the permission that starts a run (imodels_write): View and Read 403, outsiders 404, also a Write member demoted with an old token", async () => {
    const team = await teamWith(api, {
      viewer: "View",
      reader: "Read",
      writer: "Write",
      manager: "Manage",
      deleter: "Delete",
      demoted: "Write",
    });
    const m = team.members as Record<string, Client>;
    const c = await create(m.writer!, team.imodelId);
    const outsider = await api.as(uniqueUser("outsider"));
    const statuses: Record<string, number> = {};
    let run = (await m.writer!.post(`/connections/${c.id}/runs`)).body;
    takeExecution(run.id);
    for (const [name, client] of [...Object.entries(m), ["outsider", outsider] as const]) {
      if (name === "demoted") continue;
      statuses[name] = (await client.post(`/runs/${run.id}/cancel`)).status;
      if (statuses[name] === 200) {
        run = (await m.writer!.post(`/connections/${c.id}/runs`)).body;
        takeExecution(run.id);
      }
    }
    expect(statuses).toEqual({ viewer: 403, reader: 403, writer: 200, manager: 200, deleter: 200, outsider: 404 });
    expect(
      (await team.admin.patch(`/itwins/${team.itwinId}/members/${m.demoted!.userId}`, { roles: ["Read"] })).status,
    ).toBe(200);
    expect((await m.demoted!.post(`/runs/${run.id}/cancel`)).status).toBe(403);
    expect((await m.writer!.get(`/runs/${run.id}`)).body.state).toBe("queued");
  });
});

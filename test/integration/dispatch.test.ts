// Scheduled runs at scale, through the Lambda Invoke API as on AWS: the tick dispatches batches to a pool of local workers; duplicated,
// redelivered and half-done batches start every run exactly once, overlapping ticks too, and small organisations are not kept waiting.
import type { Server } from "node:http";
import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, describe, expect, inject, it } from "vitest";
import { makeApp, type App } from "../../shared/app";
import { advanceClock } from "../../shared/clock";
import { settled, type Job } from "../../shared/jobs";
import { isJobEvent, LambdaJobs } from "../../shared/jobs-lambda";
import { makeDocumentClient } from "../../shared/store/client";
import { createLambdaServer } from "../../infra/local/lambda";
import { listen } from "../../infra/local/stack";
import { startApi, type Client, type TestApi } from "../support/api";
import { teamWith } from "../support/sync";
import { closeServer } from "../../infra/local/close-server";

const HOUR = 3600 * 1000;

interface Stack {
  app: App;
  api: TestApi;
  /** Every job the worker function was invoked with, in the order it began. */
  invoked: Job[];
  invoke(job: Job): Promise<void>;
  close(): Promise<void>;
}

/** The service with its jobs going through a local Lambda server whose pool works `concurrency` invocations at a time. */
async function stack(options: {
  concurrency: number;
  batchSize: number;
  tenantMaxRunning?: number;
  maxItems?: number;
  ddb?: ReturnType<typeof makeDocumentClient>;
}): Promise<Stack> {
  const invoked: Job[] = [];
  let app: App | undefined;
  const lambda: Server = createLambdaServer(
    {
      worker: async (event) => {
        if (!isJobEvent(event)) return app!.tick.run();
        invoked.push(event.job);
        return app!.work(event.job);
      },
    },
    { concurrency: options.concurrency, retries: 2, retryDelayMs: 50 },
  );
  const endpoint = `http://127.0.0.1:${await listen(lambda, 0)}`;
  const jobs = new LambdaJobs({ functionName: "worker", region: "local", endpoint });
  app = makeApp({
    jobs,
    ...(options.ddb ? { ddb: options.ddb } : {}),
    dispatch: {
      batchSize: options.batchSize,
      tenantMaxRunning: options.tenantMaxRunning ?? 50,
      perBatch: 5,
      ...(options.maxItems ? { maxItems: options.maxItems } : {}),
    },
  });
  const api = await startApi({ app });
  return {
    app,
    api,
    invoked,
    invoke: (job) => jobs.enqueue(job),
    async close() {
      await settled();
      await api.close();
      await closeServer(lambda);
    },
  };
}

/** An organisation whose owner (with a valid token) has `count` hourly connections without files (runs append no changeset, so they never wait on each other). */
async function orgWithConnections(
  api: TestApi,
  count: number,
): Promise<{ orgId: string; owner: Client & { again(): Promise<Client> }; connections: string[] }> {
  const team = await teamWith(api, { owner: "Write" });
  const owner = Object.assign(team.members.owner!, { again: () => api.as(team.members.owner!.userId) });
  expect((await owner.post("/me/sync-token")).status).toBe(200);
  const connections: string[] = [];
  for (let i = 0; i < count; i += 20) {
    const made = await Promise.all(
      Array.from({ length: Math.min(20, count - i) }, (_, j) =>
        owner.post(`/imodels/${team.imodelId}/connections`, {
          name: `Site ${i + j}`,
          files: [],
          schedule: { every: "PT1H" },
        }),
      ),
    );
    for (const reply of made) {
      expect(reply.status).toBe(201);
      connections.push(reply.body.id as string);
    }
  }
  return { orgId: team.orgId, owner, connections };
}

/** The runs of each connection, as its owner lists them (signed in again: the clock moved past their sign-in). */
async function runsOf(
  stale: Client & { again(): Promise<Client> },
  connections: string[],
): Promise<{ state: string; trigger: string; startedAt?: string }[][]> {
  const owner = await stale.again();
  const lists: { state: string; trigger: string; startedAt?: string }[][] = [];
  for (let i = 0; i < connections.length; i += 20) {
    const replies = await Promise.all(
      connections.slice(i, i + 20).map((id) => owner.get(`/connections/${id}/runs?limit=10`)),
    );
    lists.push(...replies.map((r) => r.body.items));
  }
  return lists;
}

/** Every connection has exactly one scheduled run, and it succeeded. */
async function expectOneSucceededRunEach(owner: Client & { again(): Promise<Client> }, connections: string[]) {
  const lists = await runsOf(owner, connections);
  expect(lists.map((runs) => runs.length)).toEqual(connections.map(() => 1));
  expect(lists.flat().every((r) => r.state === "succeeded" && r.trigger === "scheduled")).toBe(true);
}

const dueBatches = (invoked: Job[], tenants: string[]) =>
  invoked.filter((j): j is Extract<Job, { kind: "startDue" }> => j.kind === "startDue" && tenants.includes(j.tenant));

describe("dispatch of due runs to a pool of workers", () => {
  let s: Stack | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it("gives every organisation its first batch before any gets a second: 300 runs of one and 10 of each of three others, one worker", async () => {
    s = await stack({ concurrency: 1, batchSize: 10 });
    const big = await orgWithConnections(s.api, 300);
    const small = [
      await orgWithConnections(s.api, 10),
      await orgWithConnections(s.api, 10),
      await orgWithConnections(s.api, 10),
    ];
    advanceClock(HOUR + 60_000);
    const summary = await s.app.tick.run();
    expect(summary.work.scheduledRunsDispatched).toBeGreaterThanOrEqual(330);
    await settled();

    const tenants = [big.orgId, ...small.map((o) => o.orgId)];
    const batches = dueBatches(s.invoked, tenants);
    expect(batches.reduce((n, b) => n + b.items.length, 0)).toBe(330);
    // Round one: one batch of each organisation, so every small organisation's runs were handed on (and, with one worker, worked) first.
    expect(new Set(batches.slice(0, 4).map((b) => b.tenant))).toEqual(new Set(tenants));
    expect(batches.slice(4).every((b) => b.tenant === big.orgId)).toBe(true);

    await expectOneSucceededRunEach(big.owner, big.connections);
    const bigStarts = (await runsOf(big.owner, big.connections)).flat().map((r) => Date.parse(r.startedAt!));
    for (const org of small) {
      await expectOneSucceededRunEach(org.owner, org.connections);
      const smallStarts = (await runsOf(org.owner, org.connections)).flat().map((r) => Date.parse(r.startedAt!));
      // Started before most of the big organisation's runs: at most its first batch went before.
      expect(bigStarts.filter((t) => t < Math.max(...smallStarts)).length).toBeLessThanOrEqual(10);
    }
  }, 240_000);

  it("starts nothing twice when the same batch is delivered twice at once and again later", async () => {
    s = await stack({ concurrency: 4, batchSize: 25 });
    const org = await orgWithConnections(s.api, 20);
    advanceClock(HOUR + 60_000);
    const before = await runsOf(org.owner, org.connections);
    expect(before.flat()).toHaveLength(0);
    const owner = await org.owner.again();
    const connection = (await owner.get(`/connections/${org.connections[0]}`)).body;
    const items = await Promise.all(
      org.connections.map(async (id) => ({ id, at: (await owner.get(`/connections/${id}`)).body.nextDueAt as string })),
    );
    expect(items[0]!.at).toBe(connection.nextDueAt);
    const job: Job = { kind: "startDue", tenant: org.orgId, items };
    // Duplicated: the same message twice at once; then redelivered once it was done.
    await Promise.all([s.invoke(job), s.invoke(job), s.invoke(job)]);
    await settled();
    await s.invoke(job);
    await settled();
    await expectOneSucceededRunEach(org.owner, org.connections);
    // And the next tick finds nothing of this occurrence left to dispatch.
    await s.app.tick.run();
    await settled();
    await expectOneSucceededRunEach(org.owner, org.connections);
  }, 120_000);

  it("starts each run once when ticks overlap while the queue drains", async () => {
    s = await stack({ concurrency: 2, batchSize: 5 });
    const org = await orgWithConnections(s.api, 60);
    advanceClock(HOUR + 60_000);
    // Three ticks at once, then two more while the two workers are still draining what the first handed on.
    await Promise.all([s.app.tick.run(), s.app.tick.run(), s.app.tick.run()]);
    await Promise.all([s.app.tick.run(), s.app.tick.run()]);
    await settled();
    await expectOneSucceededRunEach(org.owner, org.connections);
  }, 120_000);

  it("goes on where it stopped when the due work does not fit one dispatcher invocation", async () => {
    // At most about 10 items read per invocation (it stops between pages): 45 due runs need a continuation, which reads on from its cursor.
    s = await stack({ concurrency: 2, batchSize: 5, maxItems: 10 });
    const org = await orgWithConnections(s.api, 45);
    advanceClock(HOUR + 60_000);
    await s.app.tick.run();
    await settled();
    const continuations = s.invoked.filter((j) => j.kind === "dispatchDue");
    expect(continuations.length).toBeGreaterThanOrEqual(1);
    // Never from the start: every due run was handed on once, in all the invocations together.
    const handed = dueBatches(s.invoked, [org.orgId]).flatMap((b) => b.items.map((i) => i.id));
    expect(handed.sort()).toEqual([...org.connections].sort());
    await expectOneSucceededRunEach(org.owner, org.connections);
  }, 120_000);

  it("keeps one organisation to its share of runs at once, with workers to spare", async () => {
    // A share of 5 runs at once, 5 per batch: one slot, so its eight batches are worked one after another by eight idle workers.
    s = await stack({ concurrency: 8, batchSize: 5, tenantMaxRunning: 5 });
    const org = await orgWithConnections(s.api, 40);
    advanceClock(HOUR + 60_000);
    await s.app.tick.run();
    await settled();
    await expectOneSucceededRunEach(org.owner, org.connections);
    const runs = (await runsOf(org.owner, org.connections)).flat() as unknown as {
      queuedAt: string;
      finishedAt: string;
    }[];
    // The most runs in progress (queued to finished) at any moment; an end at the same millisecond as a start comes first.
    const edges = runs.flatMap((r) => [
      { at: Date.parse(r.queuedAt), d: 1 },
      { at: Date.parse(r.finishedAt), d: -1 },
    ]);
    edges.sort((a, b) => a.at - b.at || a.d - b.d);
    let now = 0;
    let most = 0;
    for (const e of edges) {
      now += e.d;
      most = Math.max(most, now);
    }
    expect(most).toBeLessThanOrEqual(5);
    expect(dueBatches(s.invoked, [org.orgId]).length).toBeGreaterThanOrEqual(8);
  }, 120_000);
});

describe("a worker killed mid-batch (injected fault)", () => {
  it("loses nothing: the redelivered batch executes the runs it had queued and starts the rest, each once", async () => {
    // The worker dies between queueing a run and marking it running: its third and fourth `to running` never happen.
    const ddb = makeDocumentClient({ region: "local", endpoint: inject("dynamodbEndpoint") });
    const send = ddb.send.bind(ddb) as (command: unknown) => Promise<unknown>;
    let kills = 0;
    let markRunning = 0;
    /** Only this organisation's runs are killed (earlier tests' hourly connections are due again too). */
    let ours: string[] = [];
    (ddb as unknown as { send: (command: unknown) => Promise<unknown> }).send = (command: unknown) => {
      const input = command instanceof TransactWriteCommand ? JSON.stringify(command.input) : "";
      if (input.includes("SET #state = :running, startedAt") && ours.some((id) => input.includes(`CONN#${id}`))) {
        markRunning++;
        if ((markRunning === 3 || markRunning === 4) && kills < 2) {
          kills++;
          return Promise.reject(new Error("worker killed (injected)"));
        }
      }
      return send(command);
    };
    const s = await stack({ concurrency: 1, batchSize: 25, ddb });
    try {
      const org = await orgWithConnections(s.api, 12);
      ours = org.connections;
      advanceClock(HOUR + 60_000);
      await s.app.tick.run();
      await settled();
      expect(kills).toBe(2);
      // The batch failed once and was delivered again (Lambda's retry of an asynchronous invoke).
      expect(dueBatches(s.invoked, [org.orgId]).length).toBe(2);
      await expectOneSucceededRunEach(org.owner, org.connections);
    } finally {
      await s.close();
    }
  }, 120_000);
});

// Benchmark: one tick dispatches N due runs of M organisations through the Lambda Invoke API to a pool of 1, 2 or 4 local workers; how fast and fair they start.
import "./support/env";
import { performance } from "node:perf_hooks";
import { BatchWriteCommand, QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { advanceClock, clock } from "../shared/clock";
import { mintConnectionId, mintRunId } from "../shared/child-ids";
import type { Connection, Run } from "../shared/domain/connection";
import type { Caller } from "../shared/domain/caller";
import { settled } from "../shared/jobs";
import { isJobEvent, LambdaJobs } from "../shared/jobs-lambda";
import { makeDocumentClient } from "../shared/store/client";
import { keys } from "../shared/store/keys";
import { createLambdaServer } from "../infra/local/lambda";
import { listen } from "../infra/local/stack";
import { countingClient } from "./support/counting";
import { percentile, summary, table } from "./support/measure";
import { runBench, withServers } from "./support/servers";
import { closeServer } from "../infra/local/close-server";

/** Scenarios: N runs over organisations of these sizes, at each pool size. `DRAIN_SCENARIOS=issue,1k,10k` picks some, `DRAIN_POOLS=1,2,4` pool sizes. */
const SCENARIOS: Record<string, { orgs: number[]; pools: number[] }> = {
  // The issue's case: 1,200 runs of one organisation, 10 of another.
  issue: { orgs: [1200, 10], pools: [4] },
  "1k": { orgs: [500, ...Array<number>(10).fill(50)], pools: [1, 2, 4] },
  "10k": { orgs: [5000, ...Array<number>(50).fill(100)], pools: [1, 2, 4] },
};
const BATCH = 25;
const HOUR_MS = 3600 * 1000;

interface OrgWorld {
  orgId: string;
  connections: { id: string; imodelId: string; at: string }[];
}

runBench(() =>
  withServers(
    { name: "drain", deadlineMs: 60 * 60_000 },
    async ({ dynamodbEndpoint, tableName: baseName, addTable }) => {
      const { makeApp } = await import("../shared/app");
      const writer = makeDocumentClient({ region: "local", endpoint: dynamodbEndpoint });
      const picked = (process.env.DRAIN_SCENARIOS ?? "issue,1k,10k").split(",");
      const rows: (string | number)[][] = [];
      let n = 0;
      for (const name of picked) {
        const scenario = SCENARIOS[name];
        if (!scenario) throw new Error(`unknown scenario ${name}`);
        // `DRAIN_POOLS=4` measures only those pool sizes (the 10k scenario takes minutes per pool on two cores).
        const onlyPools = process.env.DRAIN_POOLS?.split(",").map(Number);
        for (const pool of scenario.pools.filter((p) => !onlyPools || onlyPools.includes(p))) {
          const tableName = `${baseName}-${n++}`;
          await addTable(tableName);
          const counting = countingClient(dynamodbEndpoint, { withCapacity: true });
          let app: ReturnType<typeof makeApp> | undefined;
          const lambda = createLambdaServer(
            { worker: async (event) => (isJobEvent(event) ? app!.work(event.job) : app!.tick.run()) },
            { concurrency: pool },
          );
          const endpoint = `http://127.0.0.1:${await listen(lambda, 0)}`;
          app = makeApp({
            ddb: counting.ddb,
            tableName,
            jobs: new LambdaJobs({ functionName: "worker", region: "local", endpoint }),
            dispatch: { batchSize: BATCH },
          });
          const orgs = await buildWorld(app, writer, tableName, scenario.orgs);
          const total = orgs.reduce((k, o) => k + o.connections.length, 0);

          counting.reset();
          const began = performance.now();
          const wallStart = clock.now().getTime();
          const { work } = await app.tick.run();
          const tickMs = performance.now() - began;
          await settled();
          const drainMs = performance.now() - began;
          const counts = counting.counts();

          // Start moments relative to the tick, per organisation; and every connection's run count (none twice).
          const startsByOrg: number[][] = [];
          let twice = 0;
          let missing = 0;
          for (const org of orgs) {
            const starts: number[] = [];
            await eachAtOnce(org.connections, 32, async (c) => {
              const runs = await runsOf(writer, tableName, c.id);
              if (runs.length > 1) twice++;
              const run = runs.find((r) => r.id === mintRunId(c.imodelId, c.at, c.id));
              if (!run?.startedAt) missing++;
              else starts.push(Date.parse(run.startedAt) - wallStart);
            });
            startsByOrg.push(starts.sort((a, b) => a - b));
          }
          const all = startsByOrg.flat().sort((a, b) => a - b);
          const last = all[all.length - 1] ?? NaN;
          const lastOf = startsByOrg.map((s) => s[s.length - 1] ?? NaN);
          const smallLast = Math.max(...lastOf.slice(1));
          rows.push([
            name,
            total.toLocaleString("en"),
            orgs.length,
            pool,
            work.scheduledRunsDispatched!,
            (total / (last / 1000)).toFixed(0),
            ((counts.reads + counts.writes) / total).toFixed(1),
            counts.capacityReported ? ((counts.readCapacity + counts.writeCapacity) / total).toFixed(1) : "n/a",
            tickMs.toFixed(0),
            (last / 1000).toFixed(1),
            (lastOf[0]! / 1000).toFixed(1),
            (smallLast / 1000).toFixed(1),
            `${(percentile(lastOf.slice(1), 50) / 1000).toFixed(1)}`,
            `${twice}/${missing}`,
          ]);
          console.error(
            `drain: ${name} pool ${pool}: ${total} runs, last started ${(last / 1000).toFixed(1)} s, drained ${(drainMs / 1000).toFixed(1)} s`,
          );
          await closeServer(lambda);
          counting.ddb.destroy();
        }
      }
      console.log(
        `\n## One tick dispatches due runs in batches of ${BATCH}; a pool of local workers drains them through the Lambda Invoke API\n`,
      );
      console.log(
        table(
          [
            "scenario",
            "runs due",
            "orgs",
            "workers",
            "dispatched",
            "runs started/s",
            "DynamoDB requests/run",
            "capacity units/run",
            "tick ms",
            "last start s",
            "largest org's last s",
            "small orgs' last s (max)",
            "small orgs' last s (median)",
            "twice/missing",
          ],
          rows,
        ),
      );
      summary(
        `drain: ${rows.map((r) => `${r[0]} @${r[3]} workers: ${r[5]} runs/s, last ${r[9]} s, small orgs by ${r[11]} s, twice/missing ${r[13]}`).join("; ")}`,
      );
      writer.destroy();
    },
  ),
);

/** Organisations of the given sizes, each with an owner (valid token, Write as the iTwin's creator) and an iModel; their hourly connections written in bulk, due an hour from now. */
async function buildWorld(
  app: ReturnType<typeof import("../shared/app").makeApp>,
  writer: DynamoDBDocumentClient,
  tableName: string,
  sizes: number[],
): Promise<OrgWorld[]> {
  // Loaded here, after the servers set the environment the configuration reads.
  const { dueKeys } = await import("../shared/store/due");
  const orgs: OrgWorld[] = [];
  const now = clock.now();
  for (const [index, size] of sizes.entries()) {
    const owner: Caller = {
      userId: `drain-owner-${index}`,
      email: `drain-owner-${index}@example.com`,
      name: `Owner ${index}`,
      signedInAt: clock.now(),
    };
    const { organization } = await app.organizations.create(owner, { name: `Org ${index}` });
    const itwin = await app.itwins.create(owner, organization.id, { name: "Plant" });
    const imodel = await app.imodels.create(owner, itwin.id, { name: "Unit" });
    await app.sync.visit(owner);
    const connections: OrgWorld["connections"] = [];
    const items: Record<string, unknown>[] = [];
    for (let i = 0; i < size; i++) {
      const id = mintConnectionId(imodel.id);
      // Due within the same minute, an hour after now; runs sync no files, so they never queue on one iModel's changeset counter.
      const at = new Date(now.getTime() + HOUR_MS + ((i * 7) % 60) * 1000).toISOString();
      const connection: Connection = {
        id,
        imodelId: imodel.id,
        itwinId: itwin.id,
        orgId: organization.id,
        name: `Site ${i}`,
        ownerId: owner.userId,
        owners: [{ userId: owner.userId, from: now.toISOString(), version: 1 }],
        files: [],
        schedule: { every: "PT1H" },
        scheduleAnchor: new Date(Date.parse(at) - HOUR_MS).toISOString(),
        nextDueAt: at,
        synced: {},
        createdBy: owner.userId,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
        version: 1,
      };
      items.push({ ...keys.connection(imodel.id, id), ...connection, ...dueKeys("RUN", id, at) });
      connections.push({ id, imodelId: imodel.id, at });
    }
    await eachAtOnce(chunks(items, 25), 8, async (batch) => {
      let pending = batch.map((Item) => ({ PutRequest: { Item } }));
      while (pending.length) {
        const out = await writer.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
        pending = (out.UnprocessedItems?.[tableName] ?? []) as typeof pending;
      }
    });
    orgs.push({ orgId: organization.id, connections });
  }
  // Everything is due: the tick comes a minute after the last due moment.
  advanceClock(HOUR_MS + 61_000);
  return orgs;
}

async function runsOf(ddb: DynamoDBDocumentClient, tableName: string, connectionId: string): Promise<Run[]> {
  const out = await ddb.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": keys.connectionRuns(connectionId).pk },
    }),
  );
  return (out.Items ?? []).map((item) => ({
    ...(item as Run),
    id: (item.runId as string | undefined) ?? (item.id as string),
  }));
}

const chunks = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

async function eachAtOnce<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

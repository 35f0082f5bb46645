// Benchmark: what one tick reads with 100 connections due among 1,000 and among 100,000; section 4 wants the same work whatever the table's size.
import "./support/env";
import { performance } from "node:perf_hooks";
import { BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { advanceClock, clock } from "../shared/clock";
import { settled } from "../shared/jobs";
import type { Connection } from "../shared/domain/connection";
import type { Caller } from "../shared/domain/caller";
import { mintConnectionId } from "../shared/child-ids";
import { makeDocumentClient } from "../shared/store/client";
import { keys } from "../shared/store/keys";
import { countingClient, type Counts } from "./support/counting";
import { ratio, summary, table, verdict } from "./support/measure";
import { runBench, withServers } from "./support/servers";

/** Issue 7: a tick over 100,000 connections reads what it reads over 1,000, within 10%. */
const TOLERANCE = 0.1;

const SIZES = [1_000, 100_000];
const DUE = 100;
/** Connections written at once, as BatchWriteItem allows at most 25 items a request. */
const BATCH = 25;
const LOAD_CONCURRENCY = 8;
const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;

interface World {
  size: number;
  counting: ReturnType<typeof countingClient>;
  tick: () => Promise<{ work: Record<string, number> }>;
  /** How many of the due connections' runs succeeded and appended a changeset, read after the tick. */
  succeeded: () => Promise<number>;
  loadSeconds: number;
}

runBench(() =>
  withServers({ name: "tick", deadlineMs: 5 * 60_000 }, async ({ dynamodbEndpoint, tableName: baseName, addTable }) => {
    const { makeApp } = await import("../shared/app");
    const writer = makeDocumentClient({ region: "local", endpoint: dynamodbEndpoint });

    /** A table of `size` connections: DUE made through the use cases (real owner, token, iModels), the rest written straight in bulk. */
    async function buildWorld(size: number): Promise<World> {
      const tableName = `${baseName}-${size}`;
      await addTable(tableName);
      const counting = countingClient(dynamodbEndpoint, { withCapacity: true });
      const app = makeApp({ ddb: counting.ddb, tableName });

      // The owner has a valid token and Write (as the iTwin's creator), so every due run really runs and appends a changeset.
      const owner: Caller = {
        userId: "bench-owner",
        email: "bench-owner@example.com",
        name: "Bench owner",
        signedInAt: clock.now(),
      };
      const { organization } = await app.organizations.create(owner, { name: "Bench" });
      const itwin = await app.itwins.create(owner, organization.id, { name: "Plant" });
      await app.sync.visit(owner);
      // One iModel per due connection, as connections of different sites: runs on one iModel would queue behind its changeset counter.
      const imodels: { id: string; itwinId: string }[] = [];
      const due: string[] = [];
      for (let i = 0; i < DUE; i++) {
        const imodel = await app.imodels.create(owner, itwin.id, { name: `Unit ${i}` });
        imodels.push({ id: imodel.id, itwinId: itwin.id });
        const connection = await app.sync.create(owner, imodel.id, {
          name: `Site ${i}`,
          files: [{ id: "f1", name: "site.dgn", version: "1" }],
          schedule: { every: "PT1H" },
        });
        due.push(connection.id);
      }
      const succeeded = async () => {
        let count = 0;
        for (const id of due) {
          const [last] = (await app.sync.listRuns(owner, id, { limit: 1 })).items;
          if (last?.state === "succeeded" && last.changesetIndex === 1) count++;
        }
        return count;
      };

      const started = performance.now();
      await bulkLoad(writer, tableName, size - DUE, imodels);
      // The tick dispatches; the batches it hands on run in this process (no worker function here): the tick's work includes them.
      const tick = async () => {
        const summary = await app.tick.run();
        await settled();
        return summary;
      };
      return { size, counting, tick, succeeded, loadSeconds: (performance.now() - started) / 1000 };
    }

    const worlds: World[] = [];
    for (const size of SIZES) worlds.push(await buildWorld(size));

    // The due connections came due an hour after they were made; every bulk one is a day or more away.
    advanceClock(HOUR_MS + 60_000);
    const results: { world: World; counts: Counts; work: Record<string, number>; succeeded: number; ms: number }[] = [];
    for (const world of worlds) {
      world.counting.reset();
      const started = performance.now();
      const { work } = await world.tick();
      const ms = performance.now() - started;
      const counts = world.counting.counts();
      const succeeded = await world.succeeded();
      if (succeeded !== DUE)
        throw new Error(
          `The tick over ${world.size} connections ran ${succeeded} of the ${DUE} due connections to success: ${JSON.stringify(work)}`,
        );
      results.push({ world, counts, work, succeeded, ms });
    }

    const capacity = (c: Counts, n: number) => (c.capacityReported ? n.toFixed(1) : "not reported");
    const reads = (c: Counts) =>
      `${c.reads} (Query ${c.byCommand.QueryCommand ?? 0}, Get ${c.byCommand.GetItemCommand ?? 0}, BatchGet ${c.byCommand.BatchGetItemCommand ?? 0}${c.byCommand.ScanCommand ? `, SCAN ${c.byCommand.ScanCommand}` : ""})`;
    console.log(`\n## One tick with ${DUE} connections due (each run appends a changeset)\n`);
    console.log(
      table(
        [
          "connections",
          "runs dispatched",
          "runs succeeded",
          "read requests",
          "items read",
          "read capacity",
          "write requests",
          "write capacity",
          "tick ms",
          "bulk load s",
        ],
        results.map(({ world, counts, work, succeeded, ms }) => [
          world.size.toLocaleString("en"),
          work.scheduledRunsDispatched!,
          succeeded,
          reads(counts),
          counts.itemsRead,
          capacity(counts, counts.readCapacity),
          counts.writes,
          capacity(counts, counts.writeCapacity),
          ms.toFixed(0),
          world.loadSeconds.toFixed(1),
        ]),
      ),
    );

    const [small, large] = results;
    const itemsRatio = large!.counts.itemsRead / small!.counts.itemsRead;
    const requestsRatio = large!.counts.reads / small!.counts.reads;
    const capacityRatio = small!.counts.capacityReported
      ? large!.counts.readCapacity / small!.counts.readCapacity
      : undefined;
    const within = (r: number) => Math.abs(r - 1) <= TOLERANCE;
    const met = within(itemsRatio) && within(requestsRatio) && (capacityRatio === undefined || within(capacityRatio));
    console.log(
      `\n${SIZES[1]!.toLocaleString("en")} / ${SIZES[0]!.toLocaleString("en")} connections: items read ${ratio(itemsRatio)}, read requests ${ratio(requestsRatio)}` +
        `${capacityRatio === undefined ? ", read capacity not reported by DynamoDB Local" : `, read capacity ${ratio(capacityRatio)}`}, ` +
        `tick time ${ratio(large!.ms / small!.ms)}. Target: the same within ${TOLERANCE * 100}% -> ${verdict(met)}.`,
    );
    summary(
      `tick: items read ${small!.counts.itemsRead} (1k) vs ${large!.counts.itemsRead} (100k) = ${ratio(itemsRatio)}, read requests ${ratio(requestsRatio)}` +
        `${capacityRatio === undefined ? "" : `, read capacity ${ratio(capacityRatio)}`} (target within ${TOLERANCE * 100}%: ${verdict(met)}); ` +
        `100k bulk load ${large!.world.loadSeconds.toFixed(0)} s`,
    );
    writer.destroy();
  }),
);

/**
 * Writes `count` scheduled connections that are not due, in the shapes DynamoSyncStore writes (the connection with its
 * due keys, in its iModel's partition), `LOAD_CONCURRENCY` BatchWriteItem requests at a time.
 */
async function bulkLoad(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  count: number,
  imodels: { id: string; itwinId: string }[],
): Promise<void> {
  // Loaded here, after the servers set the environment the configuration reads.
  const { dueKeys } = await import("../shared/store/due");
  const now = clock.now();
  const items = function* () {
    for (let i = 0; i < count; i++) {
      const imodel = imodels[i % imodels.length]!;
      const ownerId = `bulk-owner-${i % 1000}`;
      const createdAt = new Date(now.getTime() - DAY_MS).toISOString();
      // Spread over the next month, from a day away: far past the moment the benchmark's tick looks at.
      const nextDueAt = new Date(now.getTime() + DAY_MS + (i % 29) * DAY_MS + (i % 1440) * 60_000).toISOString();
      const connection: Connection = {
        id: mintConnectionId(imodel.id),
        imodelId: imodel.id,
        itwinId: imodel.itwinId,
        name: `Bulk ${i}`,
        ownerId,
        owners: [{ userId: ownerId, from: createdAt, version: 1 }],
        files: [{ id: "f1", name: "site.dgn", version: "1" }],
        schedule: { every: "P31D" },
        scheduleAnchor: createdAt,
        nextDueAt,
        synced: {},
        createdBy: ownerId,
        createdAt,
        updatedAt: createdAt,
        version: 1,
      };
      yield {
        ...keys.connection(imodel.id, connection.id),
        ...connection,
        ...dueKeys("RUN", connection.id, nextDueAt),
      };
    }
  };
  const source = items();
  const totalItems = count;
  let written = 0;
  let reported = 0;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const batch: Record<string, unknown>[] = [];
      while (batch.length < BATCH) {
        const next = source.next();
        if (next.done) break;
        batch.push(next.value);
      }
      if (!batch.length) return;
      let pending = batch.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length; attempt++) {
        if (attempt) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
        const out = await ddb.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
        pending = (out.UnprocessedItems?.[tableName] ?? []) as typeof pending;
      }
      written += batch.length;
      if (written - reported >= totalItems / 10 || written === totalItems) {
        reported = written;
        const seconds = (performance.now() - started) / 1000;
        console.error(
          `tick: ${tableName}: ${written.toLocaleString("en")} of ${totalItems.toLocaleString("en")} items written in ${seconds.toFixed(0)} s (${(written / seconds).toFixed(0)} items/s)`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: LOAD_CONCURRENCY }, worker));
}

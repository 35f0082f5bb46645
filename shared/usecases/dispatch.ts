// Scheduled runs at scale: the tick only dispatches batches of due runs, organisations interleaved; workers start them, each exactly once.
import { randomUUID } from "node:crypto";
import type { Clock } from "../clock";
import { imodelOfConnection, mintRunId } from "../child-ids";
import { interleave, slotsFor, waves, type DueItem } from "../domain/dispatch";
import type { Connection } from "../domain/connection";
import { nextDue } from "../domain/schedule";
import { AppError, isAppError } from "../errors";
import type { DispatchCursor, Job, Jobs } from "../jobs";
import { logger } from "../log";
import type { DynamoDispatchStore } from "../store/dispatch";
import { duePartitions } from "../store/due";
import type { SyncStore } from "../store/sync-port";
import type { syncUseCases } from "./sync";
import type { TickStep } from "./tick";

export interface DispatchLimits {
  /** Due runs in one batch (one worker invocation). */
  batchSize: number;
  /** Due items one dispatcher invocation reads before a continuation takes the rest. */
  maxItems: number;
  /** Wall-clock milliseconds one dispatcher invocation spends; half reading, the rest handing on. */
  budgetMs: number;
  /** Runs a worker works at once within its batch. */
  perBatch: number;
  /** Scheduled runs of one tenant in progress at once, over all workers. */
  tenantMaxRunning: number;
  /** How long a worker waits for a free slot of its tenant before it hands its batch back to the queue. */
  slotWaitMs: number;
}

/** Index items read per Query page, and partitions read at once. */
const PAGE = 1000;
const PARTITIONS_AT_ONCE = 8;
/** Invocations handed to the queue at once. */
const HAND_ON_AT_ONCE = 16;
/** A slot held longer than this (a worker that died) is free again: longer than a worker may live. */
export const SLOT_LEASE_MS = 15 * 60 * 1000;

/** Runs `work` on each item, `concurrency` at a time; answers how many succeeded (true) and how many threw. */
async function pool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<boolean>,
): Promise<{ done: number; failed: number }> {
  let next = 0;
  let done = 0;
  let failed = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        if (await work(item)) done++;
      } catch (error) {
        failed++;
        logger.error("dispatch work failed", { error: error as Error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return { done, failed };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function dispatchUseCases(deps: {
  due: DynamoDispatchStore;
  sync: SyncStore;
  runs: Pick<ReturnType<typeof syncUseCases>, "startRun" | "execute">;
  jobs: Jobs;
  clock: Clock;
  limits: DispatchLimits;
}) {
  const { due, sync, runs, jobs, clock, limits } = deps;

  /**
   * Reads what is due at `now` from where `cursor` says (everything, on a fresh tick), until the
   * partitions are read to their end or this invocation's share is used; hands the batches on,
   * organisations interleaved, and the rest to a continuation of itself. Answers the runs handed on.
   */
  async function dispatch(now: Date, cursor?: DispatchCursor): Promise<number> {
    const began = Date.now();
    const todo: DispatchCursor = cursor
      ? { ...cursor }
      : Object.fromEntries(duePartitions("RUN").map((p) => [p, null]));
    const items: DueItem[] = [];
    const full = () => items.length >= limits.maxItems || Date.now() - began > limits.budgetMs / 2;
    await pool(Object.keys(todo), PARTITIONS_AT_ONCE, async (partition) => {
      while (partition in todo && !full()) {
        const page = await due.duePage(partition, now, todo[partition] ?? undefined, Math.min(PAGE, limits.maxItems));
        items.push(...page.items);
        if (page.next) todo[partition] = page.next;
        else delete todo[partition];
      }
      return true;
    });
    const batches = interleave(items, limits.batchSize);
    let runsHanded = 0;
    const handed = { failed: 0 };
    for (const wave of waves(batches)) {
      const { failed } = await pool(wave, HAND_ON_AT_ONCE, async (batch) => {
        await jobs.enqueue({ kind: "startDue", tenant: batch.tenant, items: batch.items });
        runsHanded += batch.items.length;
        return true;
      });
      handed.failed += failed;
    }
    // A batch not handed on stays due in the index: the next tick reads it again.
    if (handed.failed) logger.warn("due batches not handed on; the next tick takes them", { failed: handed.failed });
    if (Object.keys(todo).length) {
      // Never from the start: the continuation reads on after what this invocation read.
      await jobs.enqueue({ kind: "dispatchDue", now: now.toISOString(), cursor: todo });
      logger.info("dispatch continues in a new invocation", {
        read: items.length,
        partitionsLeft: Object.keys(todo).length,
      });
    }
    return runsHanded;
  }

  /**
   * Starts the connection's occurrence that is due now (the trigger's rule since section 4): skipped when a run is still
   * active. "stale" when the connection changed since it was read (the caller reads it again).
   */
  async function startOccurrence(connection: Connection, now: Date): Promise<boolean | "stale"> {
    const dueAt = connection.nextDueAt!;
    const nextDueAt = nextDue(connection.schedule!, new Date(connection.scheduleAnchor ?? dueAt), now).toISOString();
    if (connection.activeRunId) {
      await sync.skipOccurrence(connection, dueAt, nextDueAt);
      logger.info("scheduled occurrence skipped: a run is active", {
        connectionId: connection.id,
        activeRunId: connection.activeRunId,
      });
      return false;
    }
    try {
      await runs.startRun(connection, "scheduled", { dueAt, nextDueAt });
      return true;
    } catch (error) {
      // Another batch took this occurrence, or a manual run got there first: nothing to do twice.
      if (error instanceof AppError && error.status === 409) {
        if (isAppError(error, "RunInProgress")) await sync.skipOccurrence(connection, dueAt, nextDueAt);
        else if (isAppError(error, "ConcurrentChange")) return "stale";
        return false;
      }
      throw error;
    }
  }

  /**
   * One due item of a batch. The occurrence the index named is started unless it already was; when it
   * was, its run (named by connection and due time) is executed if it is still queued: a worker that
   * died between queueing and executing it loses nothing, and `markRunning`'s condition runs it once.
   */
  async function startOne(item: { id: string; at: string }, read?: Map<string, Connection>): Promise<boolean> {
    const now = clock.now();
    // The batch's connections come in one read; one that changed since is read again on its own.
    const connection = read ? read.get(item.id) : await sync.getConnection(item.id);
    // The index can trail the item: only what is really due now is started.
    if (connection?.schedule && connection.nextDueAt && Date.parse(connection.nextDueAt) <= now.getTime()) {
      const started = await startOccurrence(connection, now);
      if (started === "stale") return read ? startOne(item) : false;
      if (started || connection.nextDueAt === item.at) return started;
    }
    const imodelId = imodelOfConnection(item.id);
    if (!imodelId) return false;
    const run = await sync.getRun(mintRunId(imodelId, item.at, item.id));
    if (run?.trigger !== "scheduled" || run.state !== "queued") return false;
    await runs.execute(run);
    logger.info("scheduled run resumed: its worker stopped after queueing it", { runId: run.id });
    return true;
  }

  /**
   * A worker's batch: it holds one of its tenant's slots while it works, so one organisation never runs
   * more than `tenantMaxRunning` at once. Without a free slot it waits a little, then hands the batch back
   * to the queue. A run that failed makes the batch fail after the others were tried, so that the queue
   * delivers it again; done items are no-ops the second time.
   */
  async function startBatch(job: Extract<Job, { kind: "startDue" }>): Promise<number> {
    const holder = randomUUID();
    const slots = slotsFor(limits.tenantMaxRunning, limits.perBatch);
    const waitUntil = Date.now() + limits.slotWaitMs;
    let slot: number | undefined;
    for (;;) {
      const now = clock.now();
      slot = await due.takeSlot(job.tenant, slots, holder, now, new Date(now.getTime() + SLOT_LEASE_MS));
      if (slot !== undefined) break;
      if (Date.now() > waitUntil) {
        await jobs.enqueue(job);
        logger.info("batch handed back: its organisation's slots are all busy", { tenant: job.tenant, slots });
        return 0;
      }
      await sleep(50 + Math.random() * 100);
    }
    try {
      const read = await sync.getConnections(job.items.map((item) => item.id));
      const { done, failed } = await pool(job.items, limits.perBatch, (item) => startOne(item, read));
      if (failed) throw new Error(`${failed} of ${job.items.length} due runs failed; the batch is delivered again`);
      return done;
    } finally {
      await due.releaseSlot(job.tenant, slot, holder);
    }
  }

  /** The tick's step: it dispatches, the workers start. */
  const step: TickStep = { name: "scheduledRunsDispatched", run: (now) => dispatch(now) };

  return {
    dispatch,
    startBatch,
    step,
    /** Background jobs of dispatch (the worker function). */
    async work(job: Extract<Job, { kind: "startDue" | "dispatchDue" }>): Promise<void> {
      if (job.kind === "startDue") await startBatch(job);
      else await dispatch(new Date(job.now), job.cursor);
    },
  };
}

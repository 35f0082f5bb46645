// Work a request hands on instead of doing it before it answers: executing a manual run, delivering the mail a change recorded.
import { processWide } from "./process-wide";
import { logger } from "./log";
import type { Run } from "./domain/connection";
import type { Itwin } from "./domain/itwin";

/** One unit of background work. Each is idempotent: a job done twice (a retried invoke) changes nothing the second time. */
export type Job =
  /** Runs a queued run to its end; `markRunning` is conditioned on the run still being queued. */
  | { kind: "executeRun"; run: Run }
  /** Delivers notifications recorded in the outbox; each delivery claims its notification first. */
  | { kind: "deliver"; notificationIds: string[] }
  /** Removes what a deleted iModel's partition held; nothing reads it once the iModel item is gone. */
  | { kind: "purgeImodel"; imodelId: string }
  /** Removes access entries of older list versions, which every check already ignores. */
  | { kind: "purgeStaleAccess"; imodelId: string; listVersion: number }
  /** Removes what a deleted (Test) iTwin held; nothing reads it once the iTwin item is gone. */
  | { kind: "purgeItwin"; itwin: Itwin }
  /**
   * Leaves the teams that removed members' removal (at `removedAt`) could not fit in its transaction; each team item goes
   * once and moves its iTwin's team_manage count once, so a retried job goes on where the last one stopped.
   */
  | { kind: "leaveTeams"; orgId: string; userIds: string[]; removedAt: string }
  /** Starts a batch of one tenant's due runs; run ids derive from connection and due time, so a batch done twice starts nothing twice. */
  | { kind: "startDue"; tenant: string; items: { id: string; at: string }[] }
  /** Goes on reading the due runs of `now` where an earlier dispatcher invocation stopped (`cursor`: per partition, where to go on). */
  | { kind: "dispatchDue"; now: string; cursor: DispatchCursor };

/** Where dispatch goes on: for each `due` partition not yet read to its end, the key after which to read on (null: from its start). */
export type DispatchCursor = Record<string, Record<string, unknown> | null>;

export interface Jobs {
  /** Hands the job on. Rejects when it could not be handed on; the caller decides what then (see `dispatch`). */
  enqueue(job: Job): Promise<void>;
}

export type JobHandler = (job: Job) => Promise<void>;

/**
 * Every job an in-process runner has started and not finished, across runners: tests and the local stack wait on it.
 * Kept on the process, so that the bundles the local stack can serve (LOCAL_HANDLERS=bundled), each with its own copy of
 * this module, count in the same set.
 */
const running = processWide("jobs", () => new Set<Promise<void>>());

/**
 * Runs each job in this process right after the request that enqueued it, without the request waiting
 * for it: what tests use, and the local stack when no worker function is configured.
 */
export class InProcessJobs implements Jobs {
  private handler?: JobHandler;

  /** The app's worker, given once the app is built (the worker needs the use cases that enqueue). */
  bind(handler: JobHandler): this {
    this.handler = handler;
    return this;
  }

  enqueue(job: Job): Promise<void> {
    const handler = this.handler;
    if (!handler) return Promise.reject(new Error("InProcessJobs: no worker bound"));
    track(
      new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => handler(job))
        .catch((error: unknown) => logger.error("background job failed", { job: job.kind, error: error as Error })),
    );
    return Promise.resolve();
  }
}

/** Counts `work` among the in-process jobs that `settled` waits for (the local stack's asynchronous invokes). */
export function track(work: Promise<void>): void {
  const done = work.finally(() => running.delete(done));
  running.add(done);
}

/** Resolves when every in-process job, including jobs those jobs enqueued, has finished. */
export async function settled(): Promise<void> {
  while (running.size) await Promise.all([...running]);
}

/**
 * Hands a job on; when that fails, does it here instead, so the work is not left undone: the request
 * answers later, but the run still runs and the mail still goes. It is called after the request's
 * change committed, so a failure of the job itself is logged, never answered: the outbox redelivers
 * mail, a run's lease ends it `Interrupted`, and a purge only saves storage.
 */
export async function dispatch(jobs: Jobs, job: Job, inline: JobHandler): Promise<void> {
  try {
    await jobs.enqueue(job);
  } catch (error) {
    logger.warn("background job not handed on; doing it in the request", { job: job.kind, error: error as Error });
    await inline(job).catch((failure: unknown) =>
      logger.error("background job failed in the request; the change stands", {
        job: job.kind,
        error: failure as Error,
      }),
    );
  }
}

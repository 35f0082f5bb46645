// Synchronization runs on the owner's behalf: queued as the connection's one active run, executed with the owner's
// token and rights at the moment of use, and ended with the connection freed and at most one changeset appended.
import type { Idempotency } from "../domain/idempotency";
import { runView } from "./sync-views";
import { changedFiles, RUN_LEASE_MS, type Connection, type Run, type RunReason } from "../domain/connection";
import type { Permission } from "../domain/permissions";
import { tokenStatus, type SyncOwner } from "../domain/sync-token";
import { afterRun } from "../domain/run-failures";
import { isAppError } from "../errors";
import { mintRunId } from "../child-ids";
import { derivedId, newId } from "../ids";
import type { Draft } from "../mail/templates";
import { dispatch, type Job } from "../jobs";
import type { NewNotification } from "../store/outbox";
import type { FinishRun, TokenChange } from "../store/sync-port";
import type { ImodelAccess } from "./imodel-access";
import { rereadingConcurrentChanges } from "./retry";
import type { SyncDeps } from "./sync-views";

export function runsOf(deps: SyncDeps) {
  const { sync, guard, notifications, jobs, clock } = deps;

  const has = (access: ImodelAccess, permission: Permission) => access.permissions.includes(permission);

  /** Ends the run with the outcome for the connection as it is now; re-reads when the connection or the timeline moved meanwhile. */
  async function finish(
    run: Run,
    outcome: (connection: Connection | undefined) => Promise<FinishRun> | FinishRun,
    leaseBefore?: Date,
  ): Promise<boolean> {
    return rereadingConcurrentChanges(async () => {
      const connection = await sync.getConnection(run.connectionId);
      const now = clock.now();
      const result = await outcome(connection);
      const told = connection ? withStreak(run, connection, result, now) : { result, noteId: undefined };
      const done = await sync.finishRun(run, connection, now, told.result, leaseBefore);
      if (done && told.noteId) await dispatch(jobs, { kind: "deliver", notificationIds: [told.noteId] }, work);
      return done;
    }, 8);
  }

  /** The connection's last run and failing streak after this run; the streak's one mail to the owner, recorded with it (outbox). */
  function withStreak(
    run: Run,
    connection: Connection,
    result: FinishRun,
    now: Date,
  ): { result: FinishRun; noteId?: string } {
    const { streak, tell } = afterRun(connection, run, result, now.toISOString());
    if (!tell || !connection.orgId || !result.reason) return { result: { ...result, streak } };
    const noteId = derivedId("note", "runsFailing", connection.id, streak.failingSince!);
    const draft: Draft = {
      kind: "runsFailing",
      connection: { id: connection.id, name: connection.name },
      reason: result.reason,
      failingSince: streak.failingSince!,
    };
    const notification: NewNotification = {
      id: noteId,
      kind: "runsFailing",
      draft,
      recipient: { orgId: connection.orgId, userId: run.ownerId },
    };
    return { result: { ...result, streak, notification }, noteId };
  }

  /**
   * Runs a queued run to its end on the owner's behalf: token at the moment of use, the owner's current rights, one
   * changeset. Nothing is read back: the run's end is in the table (the worker's callers answer nothing about it).
   */
  async function execute(run: Run): Promise<void> {
    const started = clock.now();
    if (!(await sync.markRunning(run, started, new Date(started.getTime() + RUN_LEASE_MS)))) return;
    const ended = async (outcome: (connection: Connection | undefined) => Promise<FinishRun> | FinishRun) => {
      await finish(run, outcome);
    };
    const failed = (reason: RunReason) => () => ({ state: "failed" as const, reason });
    const tokenValid = (owner: SyncOwner | undefined) => tokenStatus(owner?.token, clock.now()) === "valid";

    // The owner's token comes in the access check's one read; an expired token is the reason before missing rights.
    const ownerAccess = () =>
      guard.open({ userId: run.ownerId, signedInAt: clock.now() }, run.imodelId, { callerToken: true });
    let access: ImodelAccess;
    try {
      access = await ownerAccess();
    } catch (error) {
      if (!isAppError(error, "NotFound")) throw error;
      const owner = await sync.getOwner(run.ownerId);
      return ended(failed(tokenValid(owner) ? "OwnerLacksPermission" : "OwnerTokenExpired"));
    }
    if (!tokenValid(access.callerSyncOwner)) return ended(failed("OwnerTokenExpired"));
    if (!has(access, "imodels_write")) return ended(failed("OwnerLacksPermission"));

    let attempt = 0;
    return ended(async (connection) => {
      if (!connection) return { state: "failed", reason: "ConnectionDeleted" };
      // A retry means someone else moved the timeline: read the iModel's counter again.
      const imodel = attempt++ === 0 ? access.imodel : (await ownerAccess()).imodel;
      const changed = changedFiles(connection.files, connection.synced);
      return {
        state: "succeeded",
        synced: Object.fromEntries(connection.files.map((f) => [f.id, f.version])),
        changedFiles: changed.map((f) => f.id),
        ...(changed.length
          ? {
              changeset: {
                imodel,
                changeset: {
                  id: newId("cs"),
                  imodelId: run.imodelId,
                  description: `Synchronized ${changed.map((f) => f.name).join(", ")} (connection "${connection.name}")`,
                  pushedBy: run.ownerId,
                  pushedAt: clock.now().toISOString(),
                },
              },
            }
          : {}),
      };
    });
  }

  /** Queues a run: the connection takes it as its one active run; `token`, a renewal written in the same transaction. */
  async function queue(
    connection: Connection,
    trigger: Run["trigger"],
    scheduled?: { dueAt: string; nextDueAt: string },
    token?: TokenChange,
    once?: Idempotency,
  ): Promise<Run> {
    const now = clock.now();
    const run: Run = {
      id: scheduled ? mintRunId(connection.imodelId, scheduled.dueAt, connection.id) : mintRunId(connection.imodelId),
      connectionId: connection.id,
      imodelId: connection.imodelId,
      itwinId: connection.itwinId,
      trigger,
      ownerId: connection.ownerId,
      state: "queued",
      queuedAt: now.toISOString(),
      leaseUntil: new Date(now.getTime() + RUN_LEASE_MS).toISOString(),
    };
    await sync.queueRun(connection, run, scheduled, token, once?.receipt(runView(run)));
    return run;
  }

  /** Queues and executes a run in this invocation: the trigger's scheduled runs. */
  async function startRun(
    connection: Connection,
    trigger: Run["trigger"],
    scheduled?: { dueAt: string; nextDueAt: string },
  ): Promise<void> {
    await execute(await queue(connection, trigger, scheduled));
  }

  /** Background work of this group: the worker function (or, in tests, this process) calls it with each job. */
  async function work(job: Job): Promise<void> {
    if (job.kind === "executeRun") await execute(job.run);
    else if (job.kind === "deliver") await notifications.deliverSoon(job.notificationIds);
    else throw new Error(`synchronization does not do ${job.kind} jobs`);
  }

  return { finish, execute, queue, startRun, work };
}

// Use cases of synchronization: connections, runs on the owner's behalf, owner tokens and ownership transfer (SPEC section 3).
import type { Clock } from "../clock";
import {
  changedFiles,
  MAX_CONNECTION_FILES,
  RUN_LEASE_MS,
  type Connection,
  type Run,
  type RunReason,
  type SourceFile,
} from "../domain/connection";
import {
  allowsOnConnection,
  connectionRules,
  ownershipChangeNeeds,
  ownershipRefusals,
  type ConnectionOperation,
} from "../domain/connection-rules";
import type { Permission } from "../domain/permissions";
import { nextDue, scheduleProblem, type Schedule } from "../domain/schedule";
import { nextTokenEvent, tokenStatus, visit, type SyncOwner, type TokenStatus } from "../domain/sync-token";
import { ownershipChange, ownershipWarnings, whoIsTold, type OwnershipNotice } from "../domain/ownership";
import { afterRun } from "../domain/run-failures";
import {
  alreadyOwner,
  concurrentChange,
  forbidden,
  invalidInput,
  isAppError,
  newOwnerNotTeamMember,
  notFound,
  runInProgress,
  tooManyFiles,
} from "../errors";
import type { Caller } from "../domain/caller";
import { imodelOfConnection, imodelOfRun, mintConnectionId, mintRunId } from "../child-ids";
import { derivedId, newId } from "../ids";
import type { Draft } from "../mail/templates";
import { dispatch, type Job, type Jobs } from "../jobs";
import type { OutboxStore } from "../store/outbox";
import type { FinishRun, SyncStore, TokenChange } from "../store/sync-port";
import type { ImodelAccess, ImodelGuard, OpenOptions } from "./imodel-access";
import type { notificationUseCases } from "./notifications";
import { randomBytes } from "node:crypto";

export interface ConnectionView {
  id: string;
  imodelId: string;
  name: string;
  ownerId: string;
  files: SourceFile[];
  schedule?: Schedule;
  nextDueAt?: string;
  activeRunId?: string;
  lastRun?: Connection["lastRun"];
  failingSince?: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export const connectionView = (c: Connection): ConnectionView => ({
  id: c.id,
  imodelId: c.imodelId,
  name: c.name,
  ownerId: c.ownerId,
  files: c.files,
  ...(c.schedule ? { schedule: c.schedule, nextDueAt: c.nextDueAt } : {}),
  ...(c.activeRunId ? { activeRunId: c.activeRunId } : {}),
  ...(c.lastRun ? { lastRun: c.lastRun } : {}),
  ...(c.failingSince ? { failingSince: c.failingSince } : {}),
  createdBy: c.createdBy,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

export const runView = (r: Run) => ({
  id: r.id,
  connectionId: r.connectionId,
  trigger: r.trigger,
  ownerId: r.ownerId,
  state: r.state,
  ...(r.reason ? { reason: r.reason } : {}),
  queuedAt: r.queuedAt,
  ...(r.startedAt ? { startedAt: r.startedAt } : {}),
  ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}),
  ...(r.changesetIndex !== undefined ? { changesetIndex: r.changesetIndex } : {}),
  ...(r.changedFiles ? { changedFiles: r.changedFiles } : {}),
});

export const tokenView = (owner: SyncOwner | undefined, now: Date): { status: TokenStatus; expiresAt?: string } => {
  const status = tokenStatus(owner?.token, now);
  return status === "unknown" ? { status } : { status, expiresAt: owner!.token!.expiresAt };
};

export interface SyncDeps {
  sync: SyncStore;
  guard: ImodelGuard;
  outbox: OutboxStore;
  notifications: ReturnType<typeof notificationUseCases>;
  /** Where a manual run's execution and a change's mail go, so the request answers without waiting for them. */
  jobs: Jobs;
  clock: Clock;
  warningDays: readonly number[];
}

export function syncUseCases(deps: SyncDeps) {
  const { sync, guard, outbox, notifications, jobs, clock } = deps;

  const has = (access: ImodelAccess, permission: Permission) => access.permissions.includes(permission);

  /** 403 unless the caller's permissions allow `operation`; `refusal` replaces the message naming the permission. */
  function requirePermission(access: ImodelAccess, operation: ConnectionOperation, refusal?: string) {
    const needs = connectionRules[operation];
    if (!allowsOnConnection(operation, access.permissions)) {
      throw forbidden(
        refusal ??
          `Your permissions on iModel '${access.imodel.id}' (${access.permissions.join(", ") || "none"}) do not include ${needs}, needed to ${operation.replace(/([A-Z])/g, " $1").toLowerCase()}`,
      );
    }
  }

  /** The connection and the caller's access to its iModel (and `also`, in the same read); 404 for anyone outside the iTwin. */
  async function openConnection(
    caller: Caller,
    connectionId: string,
    also: Pick<OpenOptions, "otherUserId" | "syncOwnerId" | "callerToken"> = {},
  ) {
    // The id names its iModel: the connection comes in the access check's own request.
    const imodelId = imodelOfConnection(connectionId);
    if (!imodelId) throw notFound("connection", connectionId);
    const access = await guard.open(caller, imodelId, {
      ...also,
      connectionId,
      notFoundAs: { kind: "connection", id: connectionId },
    });
    if (!access.connection) throw notFound("connection", connectionId);
    return { connection: access.connection, access };
  }

  function checkedSchedule(schedule: Schedule | undefined): Schedule | undefined {
    if (!schedule) return undefined;
    const problem = scheduleProblem(schedule);
    if (problem)
      throw invalidInput(`Invalid body.schedule: ${problem}`, {
        fields: [{ field: "body.schedule", reason: problem }],
      });
    return schedule;
  }

  /** What a portal visit makes of the token read (seed: issued when unknown or expired, renewed in the last 10 days); undefined when nothing changes. */
  function visited(
    userId: string,
    claims: { email?: string; name?: string },
    before: SyncOwner | undefined,
    now: Date,
  ): SyncOwner | undefined {
    const { token, outcome } = visit(before?.token, userId, now);
    if (outcome === "unchanged" && before) return undefined;
    return {
      userId,
      email: claims.email ?? before?.email,
      name: claims.name ?? before?.name,
      token: { ...token, secret: outcome === "issued" ? randomBytes(32).toString("base64url") : before!.token!.secret },
      scheduledConnections: before?.scheduledConnections ?? 0,
      nextEventAt: nextTokenEvent(token, deps.warningDays, now)?.at.toISOString(),
      version: (before?.version ?? 0) + 1,
    };
  }

  /** The caller's visit in this request (SPEC section 3): the token change to write with the request's change, or undefined when nothing changes. */
  function visitOf(caller: Caller, before: SyncOwner | undefined): TokenChange | undefined {
    const after = visited(caller.userId, caller, before, clock.now());
    return after && { before, after };
  }

  /**
   * Writes the request's change together with the caller's visit (one transaction). When another visit
   * wrote the token between the read and the write, the visit is made again from what that one wrote,
   * and the change is written alone.
   */
  async function withVisit<T>(
    caller: Caller,
    before: SyncOwner | undefined,
    write: (token: TokenChange | undefined) => Promise<T>,
  ): Promise<T> {
    const token = visitOf(caller, before);
    try {
      return await write(token);
    } catch (error) {
      if (!(token && isAppError(error, "TokenChanged"))) throw error;
      await visitPortal(caller.userId, caller);
      return write(undefined);
    }
  }

  /** A visit by a request that writes nothing else (reading a connection): one conditional write, only when the token changes. */
  async function visitAlone(caller: Caller, before: SyncOwner | undefined): Promise<void> {
    const token = visitOf(caller, before);
    // Losing to a concurrent write is fine: that one was a visit too.
    if (token) await sync.saveToken(token.before, token.after);
  }

  /** Issues or renews the caller's token as a portal visit does. */
  async function visitPortal(userId: string, claims: { email?: string; name?: string }): Promise<SyncOwner> {
    for (let attempt = 0; ; attempt++) {
      const before = await sync.getOwner(userId);
      const after = visited(userId, claims, before, clock.now());
      if (!after) return before!;
      if (await sync.saveToken(before, after)) return after;
      if (attempt >= 5) throw concurrentChange("Your token");
    }
  }

  /** Ends the run with the outcome for the connection as it is now; re-reads when the connection or the timeline moved meanwhile. */
  async function finish(
    run: Run,
    outcome: (connection: Connection | undefined) => Promise<FinishRun> | FinishRun,
    leaseBefore?: Date,
  ): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const connection = await sync.getConnection(run.connectionId);
      try {
        const now = clock.now();
        const result = await outcome(connection);
        const told = connection ? withStreak(run, connection, result, now) : { result, noteId: undefined };
        const done = await sync.finishRun(run, connection, now, told.result, leaseBefore);
        if (done && told.noteId) await dispatch(jobs, { kind: "deliver", notificationIds: [told.noteId] }, work);
        return done;
      } catch (error) {
        if (!isAppError(error, "ConcurrentChange") || attempt >= 8) throw error;
      }
    }
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
    const notification = outbox.putInTransaction(
      { id: noteId, kind: "runsFailing", draft, recipient: { orgId: connection.orgId, userId: run.ownerId } },
      now,
    );
    return { result: { ...result, streak, notification }, noteId };
  }

  /** Runs a queued run to its end on the owner's behalf: token at the moment of use, the owner's current rights, one changeset. */
  async function execute(run: Run): Promise<Run> {
    const started = clock.now();
    if (!(await sync.markRunning(run, started, new Date(started.getTime() + RUN_LEASE_MS))))
      return (await sync.getRun(run.id)) ?? run;
    const ended = async (outcome: (connection: Connection | undefined) => Promise<FinishRun> | FinishRun) => {
      await finish(run, outcome);
      return (await sync.getRun(run.id)) ?? run;
    };
    const failed = (reason: RunReason) => () => ({ state: "failed" as const, reason });

    const owner = await sync.getOwner(run.ownerId);
    if (tokenStatus(owner?.token, clock.now()) !== "valid") return ended(failed("OwnerTokenExpired"));

    const ownerAccess = () => guard.open({ userId: run.ownerId, signedInAt: clock.now() }, run.imodelId);
    let access: ImodelAccess;
    try {
      access = await ownerAccess();
    } catch (error) {
      if (isAppError(error, "NotFound")) return ended(failed("OwnerLacksPermission"));
      throw error;
    }
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
    await sync.queueRun(connection, run, scheduled, token);
    return run;
  }

  /** Queues and executes a run in this invocation: the trigger's scheduled runs. */
  async function startRun(
    connection: Connection,
    trigger: Run["trigger"],
    scheduled?: { dueAt: string; nextDueAt: string },
  ): Promise<Run> {
    return execute(await queue(connection, trigger, scheduled));
  }

  /** Background work of this group: the worker function (or, in tests, this process) calls it with each job. */
  async function work(job: Job): Promise<void> {
    if (job.kind === "executeRun") await execute(job.run);
    else if (job.kind === "deliver") await notifications.deliverSoon(job.notificationIds);
    else throw new Error(`synchronization does not do ${job.kind} jobs`);
  }

  /**
   * Hands the connection to `to` and records who is told (`whoIsTold`) in the same transaction, with the
   * caller's visit; the mail goes out in the background. One read before: the connection, the caller's
   * access and token, the new owner's team member, list entry, interaction and token come in the access
   * check's BatchGetItem.
   */
  async function changeOwner(caller: Caller, connection: Connection, access: ImodelAccess, to: string) {
    if (connection.ownerId === to) throw alreadyOwner(to);
    if (connection.activeRunId) throw runInProgress(connection.activeRunId, "Changing the owner");
    const self = to === caller.userId;
    const onTeam = self ? access.member : access.other?.member;
    if (!onTeam) throw newOwnerNotTeamMember(to);
    const now = clock.now();
    const previous = connection.ownerId;
    const after: Connection = {
      ...connection,
      ownerId: to,
      owners: [...connection.owners, { userId: to, from: now.toISOString(), version: connection.version + 1 }].slice(
        -50,
      ),
      updatedAt: now.toISOString(),
      version: connection.version + 1,
    };
    const about = {
      connection: { id: connection.id, name: connection.name, imodelName: access.imodel.name },
      by: { userId: caller.userId, name: caller.name },
    };
    const told = whoIsTold[ownershipChange(caller.userId, previous, to)];
    const canWrite = (self ? access.permissions : (access.other?.permissions ?? [])).includes("imodels_write");

    return withVisit(caller, access.callerSyncOwner, async (token) => {
      // The new owner's token as it is after this request: a take is the new owner's own visit.
      const newOwner = self
        ? (token?.after ?? access.callerSyncOwner)
        : token && token.after.userId === to
          ? token.after
          : access.syncOwner;
      const status = tokenStatus(newOwner?.token, now);
      const draftOf = (notice: OwnershipNotice): Draft =>
        notice === "ownershipTransferred"
          ? { kind: notice, ...about, tokenStatus: status, tokenExpiresAt: newOwner?.token?.expiresAt }
          : notice === "ownershipHandedAway"
            ? { kind: notice, ...about, newOwner: { userId: to } }
            : { kind: notice, ...about };
      // The deliverer looks up each recipient's address.
      const notes = [
        ...(told.newOwner
          ? [
              {
                id: derivedId("note", "owner", connection.id, String(after.version)),
                kind: told.newOwner,
                draft: draftOf(told.newOwner),
                recipient: { orgId: access.itwin.orgId, userId: to },
              },
            ]
          : []),
        ...(told.originalOwner
          ? [
              {
                id: derivedId("note", "owner", connection.id, String(after.version), "original"),
                kind: told.originalOwner,
                draft: draftOf(told.originalOwner),
                recipient: { orgId: access.itwin.orgId, userId: previous },
              },
            ]
          : []),
      ];
      await sync.transferOwner(
        connection,
        after,
        notes.map((n) => outbox.putInTransaction(n, now)),
        token,
      );
      await dispatch(jobs, { kind: "deliver", notificationIds: notes.map((n) => n.id) }, work);
      await guard.touched(access);
      return {
        connection: connectionView(after),
        newOwner: {
          userId: to,
          token: tokenView(newOwner, now),
          ...(status === "valid"
            ? {}
            : {
                advice:
                  "The new owner's synchronization token is not valid: scheduled runs will fail until they start a run manually, which renews it.",
              }),
        },
        warnings: ownershipWarnings({ tokenStatus: status, canWrite }),
      };
    });
  }

  return {
    connectionRules,
    visitPortal,
    execute,
    startRun,
    finish,
    work,

    async create(
      caller: Caller,
      imodelId: string,
      input: { name: string; files: SourceFile[]; schedule?: Schedule },
      idempotencyKey?: string,
    ) {
      const access = await guard.open(caller, imodelId, { callerToken: true });
      requirePermission(access, "createConnection");
      const schedule = checkedSchedule(input.schedule);
      const now = clock.now();
      const connection: Connection = {
        id: mintConnectionId(imodelId, idempotencyKey, caller.userId, "connection"),
        imodelId,
        itwinId: access.imodel.itwinId,
        orgId: access.itwin.orgId,
        name: input.name,
        ownerId: caller.userId,
        owners: [{ userId: caller.userId, from: now.toISOString(), version: 1 }],
        files: input.files,
        ...(schedule
          ? { schedule, scheduleAnchor: now.toISOString(), nextDueAt: nextDue(schedule, now, now).toISOString() }
          : {}),
        synced: {},
        createdBy: caller.userId,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
        version: 1,
      };
      // Creating is a visit: the creator's token is issued or renewed with the connection (SPEC section 3).
      const { connection: stored } = await withVisit(caller, access.callerSyncOwner, (token) =>
        sync.createConnection(connection, token),
      );
      await guard.touched(access);
      return connectionView(stored);
    },

    async list(caller: Caller, imodelId: string, page: { limit: number; cursor?: string }) {
      const found = await guard.list(
        caller,
        imodelId,
        (access) => requirePermission(access, "readConnection"),
        () => sync.listConnections(imodelId, page.limit, page.cursor),
      );
      return { items: found.items.map(connectionView), ...(found.next ? { next: found.next } : {}) };
    },

    async get(caller: Caller, connectionId: string) {
      const { connection, access } = await openConnection(caller, connectionId, { callerToken: true });
      requirePermission(access, "readConnection");
      await visitAlone(caller, access.callerSyncOwner);
      await guard.touched(access);
      return connectionView(connection);
    },

    async edit(
      caller: Caller,
      connectionId: string,
      change: { name?: string; files?: SourceFile[]; schedule?: Schedule | null },
    ) {
      const { connection, access } = await openConnection(caller, connectionId, { callerToken: true });
      requirePermission(access, "editConnection");
      const now = clock.now();
      const schedule =
        change.schedule === undefined
          ? connection.schedule
          : (checkedSchedule(change.schedule ?? undefined) ?? undefined);
      const scheduleChanged = change.schedule !== undefined;
      const after: Connection = {
        ...connection,
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(change.files !== undefined ? { files: change.files } : {}),
        schedule,
        ...(scheduleChanged
          ? schedule
            ? { scheduleAnchor: now.toISOString(), nextDueAt: nextDue(schedule, now, now).toISOString() }
            : { scheduleAnchor: undefined, nextDueAt: undefined }
          : {}),
        updatedAt: now.toISOString(),
        version: connection.version + 1,
      };
      await withVisit(caller, access.callerSyncOwner, (token) => sync.updateConnection(connection, after, token));
      await guard.touched(access);
      return connectionView(after);
    },

    async setFileVersion(
      caller: Caller,
      connectionId: string,
      fileId: string,
      input: { name?: string; version: string },
    ) {
      const { connection, access } = await openConnection(caller, connectionId, { callerToken: true });
      requirePermission(access, "editConnection");
      const exists = connection.files.some((f) => f.id === fileId);
      if (!exists && !input.name)
        throw invalidInput("Invalid body.name: a new file needs a name", {
          fields: [{ field: "body.name", reason: "required for a new file" }],
        });
      // The item's version condition makes this count exact: a concurrent addition re-reads and counts again.
      if (!exists && connection.files.length >= MAX_CONNECTION_FILES) {
        throw tooManyFiles(MAX_CONNECTION_FILES);
      }
      const files = exists
        ? connection.files.map((f) =>
            f.id === fileId ? { ...f, version: input.version, ...(input.name ? { name: input.name } : {}) } : f,
          )
        : [...connection.files, { id: fileId, name: input.name!, version: input.version }];
      const after: Connection = {
        ...connection,
        files,
        updatedAt: clock.now().toISOString(),
        version: connection.version + 1,
      };
      await withVisit(caller, access.callerSyncOwner, (token) => sync.updateConnection(connection, after, token));
      await guard.touched(access);
      return after.files.find((f) => f.id === fileId)!;
    },

    async delete(caller: Caller, connectionId: string) {
      const { connection, access } = await openConnection(caller, connectionId, { callerToken: true });
      requirePermission(access, "deleteConnection");
      if (connection.activeRunId) throw runInProgress(connection.activeRunId, "Deleting the connection");
      await withVisit(caller, access.callerSyncOwner, (token) => sync.deleteConnection(connection, token));
      await guard.touched(access);
    },

    /**
     * A manual run: Write on the iModel; starting it is a visit, so the caller's token is issued or renewed
     * (seed) in the transaction that queues it. Answers the queued run; it executes in the background.
     */
    async run(caller: Caller, connectionId: string) {
      const { connection, access } = await openConnection(caller, connectionId, { callerToken: true });
      requirePermission(access, "startRun");
      if (connection.activeRunId) throw runInProgress(connection.activeRunId, "Starting a run");
      const run = await withVisit(caller, access.callerSyncOwner, (token) =>
        queue(connection, "manual", undefined, token),
      );
      await dispatch(jobs, { kind: "executeRun", run }, work);
      await guard.touched(access);
      return runView(run);
    },

    async listRuns(caller: Caller, connectionId: string, page: { limit: number; cursor?: string }) {
      const imodelId = imodelOfConnection(connectionId);
      if (!imodelId) throw notFound("connection", connectionId);
      const found = await guard.list(
        caller,
        imodelId,
        (access) => {
          if (!access.connection) throw notFound("connection", connectionId);
          requirePermission(access, "readConnection");
        },
        () => sync.listRuns(connectionId, page.limit, page.cursor),
        { connectionId, notFoundAs: { kind: "connection", id: connectionId } },
      );
      return { items: found.items.map(runView), ...(found.next ? { next: found.next } : {}) };
    },

    async getRun(caller: Caller, runId: string) {
      const imodelId = imodelOfRun(runId);
      if (!imodelId) throw notFound("run", runId);
      const access = await guard.open(caller, imodelId, { runId, notFoundAs: { kind: "run", id: runId } });
      const run = access.run;
      if (!run) throw notFound("run", runId);
      requirePermission(access, "readConnection");
      await guard.touched(access);
      return runView(run);
    },

    /** The owner, or a holder of Manage on the iModel, hands the connection to a team member; handing it to oneself is a take. */
    async transfer(caller: Caller, connectionId: string, to: string) {
      const { connection, access } = await openConnection(caller, connectionId, {
        otherUserId: to,
        syncOwnerId: to,
        callerToken: true,
      });
      const change = ownershipChange(caller.userId, connection.ownerId, to);
      const needs = ownershipChangeNeeds[change];
      if (needs) requirePermission(access, needs, ownershipRefusals[change]);
      return changeOwner(caller, connection, access, to);
    },

    /** Any team member (View included) who interacted with the iModel takes the connection; the original owner is told. */
    async take(caller: Caller, connectionId: string) {
      const { connection, access } = await openConnection(caller, connectionId, { callerToken: true });
      requirePermission(access, "takeOwnership");
      return changeOwner(caller, connection, access, caller.userId);
    },

    async token(caller: Caller) {
      return tokenView(await sync.getOwner(caller.userId), clock.now());
    },

    async visit(caller: Caller) {
      return tokenView(await visitPortal(caller.userId, caller), clock.now());
    },
  };
}

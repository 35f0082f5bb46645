// Use cases of synchronization: connections, runs on the owner's behalf, owner tokens and ownership transfer (SPEC section 3).
import type { Idempotency } from "../domain/idempotency";
import { MAX_CONNECTION_FILES, type Connection, type SourceFile } from "../domain/connection";
import {
  allowsOnConnection,
  connectionRules,
  ownershipChangeNeeds,
  ownershipRefusals,
  type ConnectionOperation,
} from "../domain/connection-rules";
import { ownershipChange } from "../domain/ownership";
import { nextDue, scheduleProblem, type Schedule } from "../domain/schedule";
import { forbidden, invalidInput, notFound, runInProgress, tooManyFiles } from "../errors";
import type { Caller } from "../domain/caller";
import { imodelOfConnection, imodelOfRun, mintConnectionId } from "../child-ids";
import { dispatch } from "../jobs";
import type { ImodelAccess, OpenOptions } from "./imodel-access";
import { ownershipOf } from "./sync-ownership";
import { runsOf } from "./sync-runs";
import { connectionView, runView, tokenView, type SyncDeps } from "./sync-views";
import { visitsOf } from "./sync-visits";

export { connectionView, runView, tokenView, type ConnectionView, type SyncDeps } from "./sync-views";

export function syncUseCases(deps: SyncDeps) {
  const { sync, guard, jobs, clock } = deps;

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

  const { visitAlone, visitPortal, withVisit } = visitsOf(deps);
  const { finish, execute, queue, startRun, work } = runsOf(deps);
  const { changeOwner } = ownershipOf(deps, { withVisit }, work);

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
    async run(caller: Caller, connectionId: string, once?: Idempotency) {
      const { connection, access } = await openConnection(caller, connectionId, { callerToken: true });
      requirePermission(access, "startRun");
      if (connection.activeRunId) throw runInProgress(connection.activeRunId, "Starting a run");
      const run = await withVisit(caller, access.callerSyncOwner, (token) =>
        queue(connection, "manual", undefined, token, once),
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

// DynamoDB repository of synchronization: connections, runs and owners' tokens. One active run, and no owner change
// during it, are conditions here; each part's transactions live in its own module (sync-connections, sync-runs,
// sync-owners), this class joins them behind the SyncStore port.
import type { Connection, Run } from "../domain/connection";
import type { Receipt } from "../domain/idempotency";
import type { SyncOwner } from "../domain/sync-token";
import type { TableRef } from "./dynamo";
import { dueEntries } from "./due";
import type { NewNotification } from "./outbox-items";
import type { Page } from "./page";
import * as connections from "./sync-connections";
import * as owners from "./sync-owners";
import type { FinishRun, StartRunOptions, SyncStore, TokenChange } from "./sync-port";
import * as runs from "./sync-runs";

export { scheduledCount } from "./sync-owners";

export class DynamoSyncStore implements SyncStore {
  constructor(private readonly table: TableRef) {}

  // --- connections ---------------------------------------------------------------------------

  createConnection(c: Connection, token?: TokenChange): Promise<{ connection: Connection; created: boolean }> {
    return connections.createConnection(this.table, c, token);
  }

  getConnection(id: string): Promise<Connection | undefined> {
    return connections.getConnection(this.table, id);
  }

  getConnections(ids: readonly string[]): Promise<Map<string, Connection>> {
    return connections.getConnections(this.table, ids);
  }

  listConnections(imodelId: string, limit: number, cursor?: string): Promise<Page<Connection>> {
    return connections.listConnections(this.table, imodelId, limit, cursor);
  }

  updateConnection(before: Connection, after: Connection, token?: TokenChange): Promise<Connection> {
    return connections.updateConnection(this.table, before, after, token);
  }

  deleteConnection(c: Connection, token?: TokenChange): Promise<void> {
    return connections.deleteConnection(this.table, c, token);
  }

  transferOwner(
    before: Connection,
    after: Connection,
    notifications: { notes: NewNotification[]; now: Date },
    token?: TokenChange,
  ): Promise<Connection> {
    return connections.transferOwner(this.table, before, after, notifications, token);
  }

  // --- runs ----------------------------------------------------------------------------------

  queueRun(
    c: Connection,
    run: Run,
    scheduled?: StartRunOptions,
    token?: TokenChange,
    receipt?: Receipt,
  ): Promise<void> {
    return runs.queueRun(this.table, c, run, scheduled, token, receipt);
  }

  skipOccurrence(c: Connection, dueAt: string, nextDueAt: string): Promise<boolean> {
    return runs.skipOccurrence(this.table, c, dueAt, nextDueAt);
  }

  markRunning(run: Run, startedAt: Date, leaseUntil: Date): Promise<boolean> {
    return runs.markRunning(this.table, run, startedAt, leaseUntil);
  }

  finishRun(
    run: Run,
    connection: Connection | undefined,
    finishedAt: Date,
    outcome: FinishRun,
    onlyIfLeaseBefore?: Date,
  ): Promise<boolean> {
    return runs.finishRun(this.table, run, connection, finishedAt, outcome, onlyIfLeaseBefore);
  }

  getRun(id: string): Promise<Run | undefined> {
    return runs.getRun(this.table, id);
  }

  listRuns(connectionId: string, limit: number, cursor?: string): Promise<Page<Run>> {
    return runs.listRuns(this.table, connectionId, limit, cursor);
  }

  // --- owners' tokens ------------------------------------------------------------------------

  getOwner(userId: string): Promise<SyncOwner | undefined> {
    return owners.getOwner(this.table, userId);
  }

  saveToken(before: SyncOwner | undefined, after: SyncOwner): Promise<boolean> {
    return owners.saveToken(this.table, before, after);
  }

  announceTokenEvent(
    owner: SyncOwner,
    nextEventAt: string | undefined,
    notification: NewNotification | undefined,
    now: Date,
  ): Promise<boolean> {
    return owners.announceTokenEvent(this.table, owner, nextEventAt, notification, now);
  }

  // --- the trigger's queries (sparse `due` index, never a Scan) -------------------------------

  /** Ids of items of one kind of due work whose moment has come, oldest first, at most `limit`. */
  async dueIds(kind: "RUN" | "LEASE" | "TOKEN", now: Date, limit: number): Promise<{ id: string; at: string }[]> {
    return (await dueEntries(this.table, kind, now, limit, "dueSk")).map(({ id, at }) => ({ id, at }));
  }
}

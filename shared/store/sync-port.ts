// The port of synchronization's storage: connections, runs and owners' tokens. Use cases and the trigger depend on it; DynamoSyncStore implements it.
import type { Receipt } from "../domain/idempotency";
import type { Connection, Run, RunReason } from "../domain/connection";
import type { Changeset, Imodel } from "../domain/imodel";
import type { RunStreak } from "../domain/run-failures";
import type { SyncOwner } from "../domain/sync-token";
import type { NewNotification } from "./outbox-items";
import type { Page } from "./page";

/** A visit's change of the caller's token: written over the version read, in the transaction of the request. */
export interface TokenChange {
  before: SyncOwner | undefined;
  after: SyncOwner;
}

export interface StartRunOptions {
  /** For a scheduled run: the due time that was read, so two ticks never start the same occurrence twice. */
  dueAt?: string;
  nextDueAt?: string;
}

export interface FinishRun {
  state: "succeeded" | "failed";
  reason?: RunReason;
  /** On success with changed files: the changeset appended in the same transaction. */
  changeset?: { imodel: Imodel; changeset: Omit<Changeset, "index"> };
  synced?: Record<string, string>;
  changedFiles?: string[];
  /** What the connection keeps about its runs after this one, and the failing streak's mail when it is told now. */
  streak?: RunStreak;
  notification?: NewNotification;
}

export interface SyncStore {
  /** Creates the connection if its id is new (an existing one answers `created: false`); 404 when the iModel is gone. */
  createConnection(c: Connection, token?: TokenChange): Promise<{ connection: Connection; created: boolean }>;
  getConnection(id: string): Promise<Connection | undefined>;
  /** Many connections by id in one strongly consistent read (per 100): those that exist, by id. */
  getConnections(ids: readonly string[]): Promise<Map<string, Connection>>;
  listConnections(imodelId: string, limit: number, cursor?: string): Promise<Page<Connection>>;
  /** Writes `after` over the version read in `before`; ConcurrentChange or TokenChanged on a race. */
  updateConnection(before: Connection, after: Connection, token?: TokenChange): Promise<Connection>;
  /** Deletes the connection; RunInProgress while a run is queued or running. */
  deleteConnection(c: Connection, token?: TokenChange): Promise<void>;
  /** Changes the owner with the notifications (recorded at `now`) in one transaction; RunInProgress, NewOwnerNeverInteracted, ConcurrentChange. */
  transferOwner(
    before: Connection,
    after: Connection,
    notifications: { notes: NewNotification[]; now: Date },
    token?: TokenChange,
  ): Promise<Connection>;
  /**
   * Queues the run as the connection's one active run; RunInProgress with the active run's id. `receipt` (an
   * Idempotency-Key's answer) is written in the same transaction; ReceiptTaken when one is kept.
   */
  queueRun(c: Connection, run: Run, scheduled?: StartRunOptions, token?: TokenChange, receipt?: Receipt): Promise<void>;
  /** Moves a scheduled connection past an occurrence it cannot run; false when another tick did. */
  skipOccurrence(c: Connection, dueAt: string, nextDueAt: string): Promise<boolean>;
  /** Takes the queued run with a lease; false when another worker has it. */
  markRunning(run: Run, startedAt: Date, leaseUntil: Date): Promise<boolean>;
  /** Ends the run and frees the connection; false when the run had already ended. */
  finishRun(
    run: Run,
    connection: Connection | undefined,
    finishedAt: Date,
    outcome: FinishRun,
    onlyIfLeaseBefore?: Date,
  ): Promise<boolean>;
  getRun(id: string): Promise<Run | undefined>;
  listRuns(connectionId: string, limit: number, cursor?: string): Promise<Page<Run>>;
  getOwner(userId: string): Promise<SyncOwner | undefined>;
  /** Writes the token over the version read; false when another visit wrote it first. */
  saveToken(before: SyncOwner | undefined, after: SyncOwner): Promise<boolean>;
  /** Records that the owner was told of a token event, with its mail (outbox, recorded at `now`) in the same transaction. */
  announceTokenEvent(
    owner: SyncOwner,
    nextEventAt: string | undefined,
    notification: NewNotification | undefined,
    now: Date,
  ): Promise<boolean>;
  /** Ids of work of `kind` due by `now`, from the sparse due index. */
  dueIds(kind: "RUN" | "LEASE" | "TOKEN", now: Date, limit: number): Promise<{ id: string; at: string }[]>;
}

// DynamoDB repository of synchronization: connections, runs and owners' tokens. One active run, and no owner change during it, are conditions here.
import { GetCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Connection, Run } from "../domain/connection";
import type { SyncOwner } from "../domain/sync-token";
import {
  alreadyStarted,
  concurrentChange,
  newOwnerNeverInteracted,
  notFound,
  runInProgress,
  tokenChanged,
  type AppError,
} from "../errors";
import {
  cancellationReasons,
  isConditionFailure,
  strip,
  transactOrFalse,
  type TableRef,
  type TransactItem,
} from "./dynamo";
import { dueEntries, dueKeys } from "./due";
import { keys } from "./keys";
import type { Page } from "./page";
import { pageOfPrefix, transactWrite } from "./partition";
import type { FinishRun, StartRunOptions, SyncStore, TokenChange } from "./sync-port";
import { imodelOfConnection } from "../child-ids";

const connectionChanged = () => concurrentChange("The connection");

/** Moves a user's count of owned scheduled connections (the token mails go only to owners of at least one). */
export function scheduledCount(tableName: string, userId: string, delta: number): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: keys.syncToken(userId),
      // The owner index's `#TOKEN` entry (keys.ownerTokenEntry) rides on every write of the item.
      UpdateExpression: "SET userId = :u, gsi1pk = :gpk, gsi1sk = :gsk ADD scheduledConnections :d, version :one",
      ExpressionAttributeValues: { ":u": userId, ":d": delta, ":one": 1, ...ownerTokenValues(userId) },
    },
  };
}

/** The owner index keys of a user's token item, as expression values `:gpk` and `:gsk`. */
function ownerTokenValues(userId: string) {
  const entry = keys.ownerTokenEntry(userId);
  return { ":gpk": entry.gsi1pk, ":gsk": entry.gsi1sk };
}

export class DynamoSyncStore implements SyncStore {
  constructor(private readonly table: TableRef) {}

  private get name() {
    return this.table.tableName;
  }

  // --- connections ---------------------------------------------------------------------------

  private connectionItem(c: Connection) {
    return {
      ...keys.connection(c.imodelId, c.id),
      ...c,
      ...(c.schedule && c.nextDueAt ? dueKeys("RUN", c.id, c.nextDueAt) : {}),
      // The owner index (GET /me/connections): moved with the owner by every Put of the connection.
      ...keys.ownedConnection(c.ownerId, c.id),
    };
  }

  /** Counts the owner's scheduled connections: the expiry notice goes only to owners of at least one. */
  private countScheduled(userId: string, delta: number): TransactItem {
    return scheduledCount(this.name, userId, delta);
  }

  /**
   * The owner items a transaction changes: scheduled counts moved by `counts`, and the caller's token
   * when their visit changes it. One item per user (a transaction names an item once), the token's
   * write last, so `tokenLost` finds it.
   */
  private ownerItems(token: TokenChange | undefined, counts: [userId: string, delta: number][]): TransactItem[] {
    const deltas = new Map<string, number>();
    for (const [userId, delta] of counts) deltas.set(userId, (deltas.get(userId) ?? 0) + delta);
    const items: TransactItem[] = [];
    for (const [userId, delta] of deltas)
      if (delta !== 0 && userId !== token?.after.userId) items.push(this.countScheduled(userId, delta));
    if (token) items.push({ Update: this.tokenUpdate(token.before, token.after, deltas.get(token.after.userId) ?? 0) });
    return items;
  }

  /** Whether a cancelled transaction with a token write (the last item) failed on the token: another visit wrote it first. */
  private static tokenLost(token: TokenChange | undefined, reasons: { Code?: string }[], items: TransactItem[]) {
    return !!token && reasons[items.length - 1]?.Code === "ConditionalCheckFailed";
  }

  async createConnection(c: Connection, token?: TokenChange): Promise<{ connection: Connection; created: boolean }> {
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.name,
          Item: this.connectionItem(c),
          ConditionExpression: "attribute_not_exists(pk)",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      },
      // The iModel must still exist: a connection never outlives it.
      {
        ConditionCheck: {
          TableName: this.name,
          Key: keys.imodel(c.itwinId, c.imodelId),
          ConditionExpression: "attribute_exists(pk)",
        },
      },
      ...this.ownerItems(token, c.schedule ? [[c.ownerId, 1]] : []),
    ];
    try {
      await this.table.ddb.send(new TransactWriteCommand({ TransactItems: items }));
      return { connection: c, created: true };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons?.[0]?.Code === "ConditionalCheckFailed" && reasons[0].Item)
        return { connection: strip<Connection>(reasons[0].Item)!, created: false };
      if (reasons?.[1]?.Code === "ConditionalCheckFailed") throw notFound("iModel", c.imodelId);
      if (reasons && DynamoSyncStore.tokenLost(token, reasons, items)) throw tokenChanged();
      if (reasons) throw connectionChanged();
      throw error;
    }
  }

  async getConnection(id: string): Promise<Connection | undefined> {
    const imodelId = imodelOfConnection(id);
    if (!imodelId) return undefined;
    const out = await this.table.ddb.send(
      new GetCommand({ TableName: this.name, Key: keys.connection(imodelId, id), ConsistentRead: true }),
    );
    return strip<Connection>(out.Item);
  }

  /** One Query: the connections are the items of the iModel's partition under their prefix. */
  listConnections(imodelId: string, limit: number, cursor?: string): Promise<Page<Connection>> {
    return pageOfPrefix<Connection>(this.table, keys.imodelPartition(imodelId).pk, keys.imodelConnectionPrefix, {
      limit,
      cursor,
    });
  }

  /** Writes a changed connection over the version that was read; moves the owner's scheduled count when the schedule came or went. */
  async updateConnection(before: Connection, after: Connection, token?: TokenChange): Promise<Connection> {
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.name,
          Item: this.connectionItem(after),
          ConditionExpression: "version = :v",
          ExpressionAttributeValues: { ":v": before.version },
        },
      },
    ];
    items.push(
      ...this.ownerItems(
        token,
        !!before.schedule !== !!after.schedule ? [[after.ownerId, after.schedule ? 1 : -1]] : [],
      ),
    );
    await this.send(items, (reasons) =>
      DynamoSyncStore.tokenLost(token, reasons, items) ? tokenChanged() : connectionChanged(),
    );
    return after;
  }

  async deleteConnection(c: Connection, token?: TokenChange): Promise<void> {
    const items: TransactItem[] = [
      {
        Delete: {
          TableName: this.name,
          Key: keys.connection(c.imodelId, c.id),
          // Deleting while a run is active would strand the run.
          ConditionExpression: "version = :v AND attribute_not_exists(activeRunId)",
          ExpressionAttributeValues: { ":v": c.version },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      },
    ];
    items.push(...this.ownerItems(token, c.schedule ? [[c.ownerId, -1]] : []));
    await this.send(items, (reasons) => {
      const active = reasons[0]?.Item?.activeRunId as string | undefined;
      if (active) return runInProgress(active, "Deleting the connection");
      return DynamoSyncStore.tokenLost(token, reasons, items) ? tokenChanged() : connectionChanged();
    });
  }

  /**
   * Hands the connection to `to` in one transaction: no run may be queued or running, the owner must
   * still be the one that was read, the new owner must have interacted with the iModel, and the
   * notification is recorded with the change.
   */
  async transferOwner(
    before: Connection,
    after: Connection,
    notifications: TransactItem[],
    token?: TokenChange,
  ): Promise<Connection> {
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.name,
          Item: this.connectionItem(after),
          // Rule: the owner cannot change while a run is queued or running.
          ConditionExpression: "version = :v AND ownerId = :owner AND attribute_not_exists(activeRunId)",
          ExpressionAttributeValues: { ":v": before.version, ":owner": before.ownerId },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      },
      {
        // Rule: the new owner has interacted with the iModel at least once.
        ConditionCheck: {
          TableName: this.name,
          Key: keys.interaction(after.imodelId, after.ownerId),
          ConditionExpression: "attribute_exists(pk)",
        },
      },
      ...notifications,
      ...this.ownerItems(
        token,
        after.schedule
          ? [
              [before.ownerId, -1],
              [after.ownerId, 1],
            ]
          : [],
      ),
    ];
    await this.send(items, (reasons) => {
      const active = reasons[0]?.Item?.activeRunId as string | undefined;
      if (active) return runInProgress(active, "Changing the owner");
      if (reasons[1]?.Code === "ConditionalCheckFailed") {
        return newOwnerNeverInteracted(after.ownerId);
      }
      return DynamoSyncStore.tokenLost(token, reasons, items) ? tokenChanged() : connectionChanged();
    });
    return after;
  }

  // --- runs ----------------------------------------------------------------------------------

  private runItem(run: Run) {
    const active = run.state === "queued" || run.state === "running";
    return { ...keys.run(run.id), ...run, ...(active ? dueKeys("LEASE", run.id, run.leaseUntil) : {}) };
  }

  /**
   * Queues a run: the connection takes it as its one active run (conditioned on none being active and
   * on the owner that was read). For a scheduled run the due time read must still stand, so a repeated
   * or overlapping tick starts nothing twice. Throws RunInProgress with the active run's id.
   */
  async queueRun(
    c: Connection,
    run: Run,
    scheduled?: StartRunOptions,
    token?: { before: SyncOwner | undefined; after: SyncOwner },
  ): Promise<void> {
    const values: Record<string, unknown> = {
      ":run": run.id,
      ":owner": c.ownerId,
      ":v": c.version,
      ":next": c.version + 1,
    };
    // Every change to the connection moves its version, so ownership changes and runs are ordered by it.
    let update = "SET activeRunId = :run, version = :next";
    let condition = "attribute_exists(pk) AND attribute_not_exists(activeRunId) AND ownerId = :owner AND version = :v";
    if (scheduled?.dueAt) {
      condition += " AND nextDueAt = :due";
      values[":due"] = scheduled.dueAt;
      update += ", nextDueAt = :nextDue, dueSk = :nextSk";
      values[":nextDue"] = scheduled.nextDueAt;
      values[":nextSk"] = dueKeys("RUN", c.id, scheduled.nextDueAt!).dueSk;
    }
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.name,
          Key: keys.connection(c.imodelId, c.id),
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      },
      {
        Put: {
          TableName: this.name,
          Item: this.runItem({ ...run, queuedVersion: c.version + 1 }),
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      // The connection's run entry is a copy of the run, written with every change of its state, so the list is one Query.
      {
        Put: {
          TableName: this.name,
          Item: {
            ...keys.connectionRun(c.id, run.queuedAt, run.id),
            ...run,
            queuedVersion: c.version + 1,
            runId: run.id,
          },
        },
      },
      // Starting a run is a visit: the caller's token is issued or renewed in the same transaction (seed).
      ...this.ownerItems(token, []),
    ];
    await this.send(items, (reasons) => {
      if (token && reasons[3]?.Code === "ConditionalCheckFailed") return tokenChanged();
      const found = reasons[0]?.Item;
      if (reasons[0]?.Code === "ConditionalCheckFailed" && !found) return notFound("connection", c.id);
      if (found?.activeRunId) return runInProgress(found.activeRunId as string, "Starting a run");
      if (scheduled?.dueAt && found && found.nextDueAt !== scheduled.dueAt) return alreadyStarted();
      return connectionChanged();
    });
  }

  /** Moves a scheduled connection's due time on without a run (a run was still active when it came due). */
  async skipOccurrence(c: Connection, dueAt: string, nextDueAt: string): Promise<boolean> {
    try {
      await this.table.ddb.send(
        new UpdateCommand({
          TableName: this.name,
          Key: keys.connection(c.imodelId, c.id),
          UpdateExpression: "SET nextDueAt = :next, dueSk = :nextSk ADD version :one",
          ConditionExpression: "nextDueAt = :due",
          ExpressionAttributeValues: {
            ":due": dueAt,
            ":next": nextDueAt,
            ":nextSk": dueKeys("RUN", c.id, nextDueAt).dueSk,
            ":one": 1,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** queued -> running with a fresh lease; false when the run is no longer queued (already taken or interrupted). */
  async markRunning(run: Run, startedAt: Date, leaseUntil: Date): Promise<boolean> {
    const set = { ":running": "running", ":at": startedAt.toISOString(), ":lease": leaseUntil.toISOString() };
    return ifStillQueued(this.table, [
      {
        Update: {
          TableName: this.name,
          Key: keys.run(run.id),
          UpdateExpression: "SET #state = :running, startedAt = :at, leaseUntil = :lease, dueSk = :dueSk",
          ConditionExpression: "#state = :queued",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: {
            ...set,
            ":queued": "queued",
            ":dueSk": dueKeys("LEASE", run.id, leaseUntil).dueSk,
          },
        },
      },
      {
        Update: {
          TableName: this.name,
          Key: keys.connectionRun(run.connectionId, run.queuedAt, run.id),
          UpdateExpression: "SET #state = :running, startedAt = :at, leaseUntil = :lease",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: set,
        },
      },
    ]);
  }

  /**
   * Ends a run and frees its connection in one transaction, conditioned on the connection version
   * just read (`connection`; undefined when it is gone). On success with changes the changeset is
   * appended in the same transaction, so it is appended exactly once. `onlyIfLeaseBefore`: the
   * trigger failing an Interrupted run, only if its lease really passed. Answers false when the run
   * had already ended; throws ConcurrentChange when the connection or the timeline moved (read again).
   */
  async finishRun(
    run: Run,
    connection: Connection | undefined,
    finishedAt: Date,
    outcome: FinishRun,
    onlyIfLeaseBefore?: Date,
  ): Promise<boolean> {
    // What the run becomes: set on the run and on its copy in the connection's list.
    const set: Record<string, unknown> = { ":state": outcome.state, ":at": finishedAt.toISOString() };
    const sets = ["#state = :state", "finishedAt = :at"];
    const also = (expression: string, name: string, value: unknown) => {
      sets.push(expression);
      set[name] = value;
    };
    if (outcome.reason) also("reason = :reason", ":reason", outcome.reason);
    if (outcome.changedFiles) also("changedFiles = :files", ":files", outcome.changedFiles);
    if (connection) also("finishedVersion = :finishedVersion", ":finishedVersion", connection.version + 1);
    if (outcome.changeset) also("changesetIndex = :index", ":index", outcome.changeset.imodel.changesetCount + 1);
    const values: Record<string, unknown> = { ...set, ":queued": "queued", ":running": "running" };
    let condition = "#state IN (:queued, :running)";
    if (onlyIfLeaseBefore) {
      condition += " AND leaseUntil <= :now";
      values[":now"] = onlyIfLeaseBefore.toISOString();
    }
    const changesetItems: TransactItem[] = [];
    if (outcome.changeset) {
      const { imodel, changeset } = outcome.changeset;
      const index = imodel.changesetCount + 1;
      changesetItems.push(
        {
          Update: {
            TableName: this.name,
            Key: keys.imodel(imodel.itwinId, imodel.id),
            UpdateExpression: "SET changesetCount = :next",
            ConditionExpression: "attribute_exists(pk) AND changesetCount = :read",
            ExpressionAttributeValues: { ":next": index, ":read": index - 1 },
          },
        },
        {
          Put: {
            TableName: this.name,
            Item: { ...keys.changeset(imodel.id, index), ...changeset, index },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
      );
    }
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.name,
          Key: keys.run(run.id),
          UpdateExpression: `SET ${sets.join(", ")} REMOVE duePk, dueSk`,
          ConditionExpression: condition,
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: values,
        },
      },
      ...changesetItems,
      {
        // The run's copy in the connection's list: the same fields, no condition of its own (the run's decides).
        Update: {
          TableName: this.name,
          Key: keys.connectionRun(run.connectionId, run.queuedAt, run.id),
          UpdateExpression: `SET ${sets.join(", ")}`,
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: set,
        },
      },
    ];
    if (connection) {
      // The connection keeps its last run and its failing streak, written with the run's end.
      const streak = outcome.streak;
      const streakSet = streak?.lastRun
        ? `, lastRun = :lastRun${streak.failingSince ? ", failingSince = :since, failureTold = :told" : ""}`
        : "";
      const streakRemove = streak?.lastRun && !streak.failingSince ? ", failingSince, failureTold" : "";
      items.push({
        Update: {
          TableName: this.name,
          Key: keys.connection(run.imodelId, run.connectionId),
          UpdateExpression: `SET version = :next${outcome.synced ? ", synced = :synced" : ""}${streakSet} REMOVE activeRunId${streakRemove}`,
          ConditionExpression: "activeRunId = :run AND version = :v",
          ExpressionAttributeValues: {
            ":run": run.id,
            ":v": connection.version,
            ":next": connection.version + 1,
            ...(outcome.synced ? { ":synced": outcome.synced } : {}),
            ...(streak?.lastRun ? { ":lastRun": streak.lastRun } : {}),
            ...(streak?.lastRun && streak.failingSince
              ? { ":since": streak.failingSince, ":told": streak.failureTold === true }
              : {}),
          },
        },
      });
      // Outbox: the streak's mail is recorded in the transaction of the failing run that causes it.
      if (outcome.notification) items.push(outcome.notification);
    }
    try {
      await this.table.ddb.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      if (reasons[0]?.Code === "ConditionalCheckFailed") return false;
      throw connectionChanged();
    }
  }

  async getRun(id: string): Promise<Run | undefined> {
    const out = await this.table.ddb.send(
      new GetCommand({ TableName: this.name, Key: keys.run(id), ConsistentRead: true }),
    );
    return strip<Run>(out.Item);
  }

  /** Newest first, one Query: the entries are copies of the runs. */
  listRuns(connectionId: string, limit: number, cursor?: string): Promise<Page<Run>> {
    return pageOfPrefix<Run>(this.table, keys.connectionRuns(connectionId).pk, keys.connectionRunPrefix, {
      limit,
      cursor,
      newestFirst: true,
    });
  }

  // --- owners' tokens ------------------------------------------------------------------------

  async getOwner(userId: string): Promise<SyncOwner | undefined> {
    const out = await this.table.ddb.send(
      new GetCommand({ TableName: this.name, Key: keys.syncToken(userId), ConsistentRead: true }),
    );
    return strip<SyncOwner>(out.Item);
  }

  /**
   * Writes the owner's token over the version read (a concurrent visit loses and re-reads), and files
   * its next announcement in the due index. False when another write came first.
   */
  async saveToken(before: SyncOwner | undefined, after: SyncOwner): Promise<boolean> {
    try {
      await this.table.ddb.send(new UpdateCommand(this.tokenUpdate(before, after)));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** The conditional write of `saveToken`, for a transaction of its own or of a run start. */
  tokenUpdate(before: SyncOwner | undefined, after: SyncOwner, scheduledDelta = 0) {
    const due = after.nextEventAt ? dueKeys("TOKEN", after.userId, after.nextEventAt) : undefined;
    return {
      TableName: this.name,
      Key: keys.syncToken(after.userId),
      // Only the token fields: the scheduled count is moved by connection transactions concurrently.
      UpdateExpression:
        "SET userId = :u, #token = :token, version = :next, gsi1pk = :gpk, gsi1sk = :gsk" +
        (after.email ? ", email = :email" : "") +
        (after.name ? ", #name = :name" : "") +
        (due ? ", nextEventAt = :nextAt, duePk = :duePk, dueSk = :dueSk" : " REMOVE nextEventAt, duePk, dueSk") +
        // A connection change of the same transaction moves the owner's scheduled count on this item.
        (scheduledDelta ? " ADD scheduledConnections :delta" : ""),
      ConditionExpression: before ? "version = :v" : "attribute_not_exists(pk) OR attribute_not_exists(#token)",
      ExpressionAttributeNames: { "#token": "token", ...(after.name ? { "#name": "name" } : {}) },
      ExpressionAttributeValues: {
        ":u": after.userId,
        ...ownerTokenValues(after.userId),
        ":token": after.token,
        ":next": (before?.version ?? 0) + 1,
        ...(before ? { ":v": before.version } : {}),
        ...(after.email ? { ":email": after.email } : {}),
        ...(after.name ? { ":name": after.name } : {}),
        ...(due ? { ":nextAt": after.nextEventAt, ":duePk": due.duePk, ":dueSk": due.dueSk } : {}),
        ...(scheduledDelta ? { ":delta": scheduledDelta } : {}),
      },
    };
  }

  /** Records that the trigger announced a token event (and what comes next) together with the notification, once. */
  async announceTokenEvent(
    owner: SyncOwner,
    nextEventAt: string | undefined,
    notification: TransactItem | undefined,
  ): Promise<boolean> {
    const values: Record<string, unknown> = {
      ":at": owner.nextEventAt,
      ":v": owner.version,
      ":next": owner.version + 1,
    };
    let update = "SET version = :next";
    if (nextEventAt) {
      const due = dueKeys("TOKEN", owner.userId, nextEventAt);
      update += ", nextEventAt = :nextAt, dueSk = :dueSk";
      Object.assign(values, { ":nextAt": nextEventAt, ":dueSk": due.dueSk });
    } else {
      update += " REMOVE nextEventAt, duePk, dueSk";
    }
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.name,
          Key: keys.syncToken(owner.userId),
          UpdateExpression: update,
          ConditionExpression: "nextEventAt = :at AND version = :v",
          ExpressionAttributeValues: values,
        },
      },
    ];
    if (notification) items.push(notification);
    return transactOrFalse(this.table, items);
  }

  // --- the trigger's queries (sparse `due` index, never a Scan) -------------------------------

  /** Ids of items of one kind of due work whose moment has come, oldest first, at most `limit`. */
  async dueIds(kind: "RUN" | "LEASE" | "TOKEN", now: Date, limit: number): Promise<{ id: string; at: string }[]> {
    return (await dueEntries(this.table, kind, now, limit, "dueSk")).map(({ id, at }) => ({ id, at }));
  }

  private async send(
    items: TransactItem[],
    explain: (reasons: { Code?: string; Item?: Record<string, unknown> }[]) => AppError,
  ): Promise<void> {
    try {
      await this.table.ddb.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      throw explain(reasons);
    }
  }
}

/** `to running`'s transaction: false when the run is no longer queued (its condition failed); collisions are sent again, then 503. */
async function ifStillQueued(table: TableRef, items: TransactItem[]): Promise<boolean> {
  try {
    await transactWrite(table, items);
    return true;
  } catch (error) {
    if (cancellationReasons(error)?.[0]?.Code === "ConditionalCheckFailed") return false;
    throw error;
  }
}

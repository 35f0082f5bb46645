// Synchronization's runs: queued as the connection's one active run, taken with a lease, and ended with the connection
// freed (and the changeset appended) in one transaction.
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Connection, Run } from "../domain/connection";
import type { Receipt } from "../domain/idempotency";
import { ReceiptTaken, withReceipt } from "./idempotency";
import { alreadyStarted, notFound, runInProgress, tokenChanged } from "../errors";
import { changesetAppend } from "./changesets";
import { isConditionFailure, strip, type TableRef } from "./dynamo";
import { dueKeys } from "./due";
import { keys } from "./keys";
import { notificationPut } from "./outbox-items";
import type { Page } from "./page";
import { pageOfPrefix } from "./partition";
import { connectionChanged } from "./sync-connections";
import { ownerItems } from "./sync-owners";
import type { FinishRun, StartRunOptions, TokenChange } from "./sync-port";
import { failedAt, transact, transactOrExplain, transactRaw, type TransactItem } from "./transact";

function runItem(run: Run) {
  const active = run.state === "queued" || run.state === "running";
  return { ...keys.run(run.id), ...run, ...(active ? dueKeys("LEASE", run.id, run.leaseUntil) : {}) };
}

/**
 * Queues a run: the connection takes it as its one active run (conditioned on none being active and
 * on the owner that was read). For a scheduled run the due time read must still stand, so a repeated
 * or overlapping tick starts nothing twice. Throws RunInProgress with the active run's id.
 */
export async function queueRun(
  table: TableRef,
  c: Connection,
  run: Run,
  scheduled?: StartRunOptions,
  token?: TokenChange,
  receipt?: Receipt,
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
        TableName: table.tableName,
        Key: keys.connection(c.imodelId, c.id),
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeValues: values,
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    },
    {
      Put: {
        TableName: table.tableName,
        Item: runItem({ ...run, queuedVersion: c.version + 1 }),
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
    // The connection's run entry is a copy of the run, written with every change of its state, so the list is one Query.
    {
      Put: {
        TableName: table.tableName,
        Item: {
          ...keys.connectionRun(c.id, run.queuedAt, run.id),
          ...run,
          queuedVersion: c.version + 1,
          runId: run.id,
        },
      },
    },
    // Starting a run is a visit: the caller's token is issued or renewed in the same transaction (seed).
    ...ownerItems(table.tableName, token, []),
  ];
  // An Idempotency-Key's answer is kept in the same transaction: no run without its receipt, no receipt without its run.
  const written = withReceipt(table.tableName, items, receipt);
  await transactOrExplain(table, written.items, (reasons) => {
    if (written.refused(reasons)) return new ReceiptTaken();
    if (token && failedAt(reasons, 3)) return tokenChanged();
    const found = reasons[0]?.Item;
    if (failedAt(reasons, 0) && !found) return notFound("connection", c.id);
    if (found?.activeRunId) return runInProgress(found.activeRunId as string, "Starting a run");
    if (scheduled?.dueAt && found && found.nextDueAt !== scheduled.dueAt) return alreadyStarted();
    return connectionChanged();
  });
}

/** Moves a scheduled connection's due time on without a run (a run was still active when it came due). */
export async function skipOccurrence(
  table: TableRef,
  c: Connection,
  dueAt: string,
  nextDueAt: string,
): Promise<boolean> {
  try {
    await table.ddb.send(
      new UpdateCommand({
        TableName: table.tableName,
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
export async function markRunning(table: TableRef, run: Run, startedAt: Date, leaseUntil: Date): Promise<boolean> {
  const set = { ":running": "running", ":at": startedAt.toISOString(), ":lease": leaseUntil.toISOString() };
  const refused = await transactRaw(table, [
    {
      Update: {
        TableName: table.tableName,
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
        TableName: table.tableName,
        Key: keys.connectionRun(run.connectionId, run.queuedAt, run.id),
        UpdateExpression: "SET #state = :running, startedAt = :at, leaseUntil = :lease",
        ExpressionAttributeNames: { "#state": "state" },
        ExpressionAttributeValues: set,
      },
    },
  ]);
  // False when the run is no longer queued (its condition failed).
  if (refused && !failedAt(refused.reasons, 0)) throw refused.error;
  return !refused;
}

/**
 * Ends a run and frees its connection in one transaction, conditioned on the connection version
 * just read (`connection`; undefined when it is gone). On success with changes the changeset is
 * appended in the same transaction, so it is appended exactly once. `onlyIfLeaseBefore`: the
 * trigger failing an Interrupted run, only if its lease really passed. Answers false when the run
 * had already ended; throws ConcurrentChange when the connection or the timeline moved (read again).
 */
export async function finishRun(
  table: TableRef,
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
  const changesetItems = outcome.changeset
    ? changesetAppend(table.tableName, outcome.changeset.imodel, {
        ...outcome.changeset.changeset,
        index: outcome.changeset.imodel.changesetCount + 1,
      })
    : [];
  const items: TransactItem[] = [
    {
      Update: {
        TableName: table.tableName,
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
        TableName: table.tableName,
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
        TableName: table.tableName,
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
    if (outcome.notification) items.push(notificationPut(table.tableName, outcome.notification, finishedAt));
  }
  const reasons = await transact(table, items);
  if (!reasons) return true;
  if (failedAt(reasons, 0)) return false;
  throw connectionChanged();
}

export async function getRun(table: TableRef, id: string): Promise<Run | undefined> {
  const out = await table.ddb.send(
    new GetCommand({ TableName: table.tableName, Key: keys.run(id), ConsistentRead: true }),
  );
  return strip<Run>(out.Item);
}

/** Newest first, one Query: the entries are copies of the runs. */
export function listRuns(table: TableRef, connectionId: string, limit: number, cursor?: string): Promise<Page<Run>> {
  return pageOfPrefix<Run>(table, keys.connectionRuns(connectionId).pk, keys.connectionRunPrefix, {
    limit,
    cursor,
    newestFirst: true,
  });
}

// Synchronization's connections: created, changed, deleted and handed to a new owner, each in one transaction with the
// owners' items it moves (a visit's token, the scheduled counts). No owner change or deletion during an active run.
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { imodelOfConnection } from "../child-ids";
import type { Connection } from "../domain/connection";
import { concurrentChange, newOwnerNeverInteracted, notFound, runInProgress, tokenChanged } from "../errors";
import { strip, type CancellationReason, type TableRef } from "./dynamo";
import { dueKeys } from "./due";
import { keys } from "./keys";
import { notificationPut, type NewNotification } from "./outbox-items";
import type { Page } from "./page";
import { batchGetMany, pageOfPrefix } from "./partition";
import type { TokenChange } from "./sync-port";
import { ownerItems, tokenLost } from "./sync-owners";
import { failedAt, transact, transactOrExplain, type TransactItem } from "./transact";

export const connectionChanged = () => concurrentChange("The connection");

export function connectionItem(c: Connection) {
  return {
    ...keys.connection(c.imodelId, c.id),
    ...c,
    ...(c.schedule && c.nextDueAt ? dueKeys("RUN", c.id, c.nextDueAt) : {}),
  };
}

/** The refusal of a transaction whose other conditions passed: the caller's token moved, or the connection did. */
const tokenOrConnection = (token: TokenChange | undefined, reasons: CancellationReason[], items: TransactItem[]) =>
  tokenLost(token, reasons, items) ? tokenChanged() : connectionChanged();

export async function createConnection(
  table: TableRef,
  c: Connection,
  token?: TokenChange,
): Promise<{ connection: Connection; created: boolean }> {
  const items: TransactItem[] = [
    {
      Put: {
        TableName: table.tableName,
        Item: connectionItem(c),
        ConditionExpression: "attribute_not_exists(pk)",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    },
    // The iModel must still exist: a connection never outlives it.
    {
      ConditionCheck: {
        TableName: table.tableName,
        Key: keys.imodel(c.itwinId, c.imodelId),
        ConditionExpression: "attribute_exists(pk)",
      },
    },
    ...ownerItems(table.tableName, token, c.schedule ? [[c.ownerId, 1]] : []),
  ];
  const reasons = await transact(table, items);
  if (!reasons) return { connection: c, created: true };
  if (failedAt(reasons, 0) && reasons[0]!.Item)
    return { connection: strip<Connection>(reasons[0]!.Item)!, created: false };
  if (failedAt(reasons, 1)) throw notFound("iModel", c.imodelId);
  throw tokenOrConnection(token, reasons, items);
}

export async function getConnection(table: TableRef, id: string): Promise<Connection | undefined> {
  const imodelId = imodelOfConnection(id);
  if (!imodelId) return undefined;
  const out = await table.ddb.send(
    new GetCommand({ TableName: table.tableName, Key: keys.connection(imodelId, id), ConsistentRead: true }),
  );
  return strip<Connection>(out.Item);
}

/** Many connections by id, strongly consistent: one BatchGetItem per 100 (a worker's batch of due runs is one). */
export async function getConnections(table: TableRef, ids: readonly string[]): Promise<Map<string, Connection>> {
  const wanted = ids.flatMap((id) => {
    const imodelId = imodelOfConnection(id);
    return imodelId ? [keys.connection(imodelId, id)] : [];
  });
  const found = new Map<string, Connection>();
  for (const item of await batchGetMany(table, wanted)) {
    const connection = strip<Connection>(item)!;
    found.set(connection.id, connection);
  }
  return found;
}

/** One Query: the connections are the items of the iModel's partition under their prefix. */
export function listConnections(
  table: TableRef,
  imodelId: string,
  limit: number,
  cursor?: string,
): Promise<Page<Connection>> {
  return pageOfPrefix<Connection>(table, keys.imodelPartition(imodelId).pk, keys.imodelConnectionPrefix, {
    limit,
    cursor,
  });
}

/** Writes a changed connection over the version that was read; moves the owner's scheduled count when the schedule came or went. */
export async function updateConnection(
  table: TableRef,
  before: Connection,
  after: Connection,
  token?: TokenChange,
): Promise<Connection> {
  const items: TransactItem[] = [
    {
      Put: {
        TableName: table.tableName,
        Item: connectionItem(after),
        ConditionExpression: "version = :v",
        ExpressionAttributeValues: { ":v": before.version },
      },
    },
    ...ownerItems(
      table.tableName,
      token,
      !!before.schedule !== !!after.schedule ? [[after.ownerId, after.schedule ? 1 : -1]] : [],
    ),
  ];
  await transactOrExplain(table, items, (reasons) => tokenOrConnection(token, reasons, items));
  return after;
}

export async function deleteConnection(table: TableRef, c: Connection, token?: TokenChange): Promise<void> {
  const items: TransactItem[] = [
    {
      Delete: {
        TableName: table.tableName,
        Key: keys.connection(c.imodelId, c.id),
        // Deleting while a run is active would strand the run.
        ConditionExpression: "version = :v AND attribute_not_exists(activeRunId)",
        ExpressionAttributeValues: { ":v": c.version },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    },
    ...ownerItems(table.tableName, token, c.schedule ? [[c.ownerId, -1]] : []),
  ];
  await transactOrExplain(table, items, (reasons) => {
    const active = reasons[0]?.Item?.activeRunId as string | undefined;
    if (active) return runInProgress(active, "Deleting the connection");
    return tokenOrConnection(token, reasons, items);
  });
}

/**
 * Hands the connection to `after.ownerId` in one transaction: no run may be queued or running, the owner must
 * still be the one that was read, the new owner must have interacted with the iModel, and the
 * notifications are recorded with the change (outbox, at `now`).
 */
export async function transferOwner(
  table: TableRef,
  before: Connection,
  after: Connection,
  notifications: { notes: NewNotification[]; now: Date },
  token?: TokenChange,
): Promise<Connection> {
  const items: TransactItem[] = [
    {
      Put: {
        TableName: table.tableName,
        Item: connectionItem(after),
        // Rule: the owner cannot change while a run is queued or running.
        ConditionExpression: "version = :v AND ownerId = :owner AND attribute_not_exists(activeRunId)",
        ExpressionAttributeValues: { ":v": before.version, ":owner": before.ownerId },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    },
    {
      // Rule: the new owner has interacted with the iModel at least once.
      ConditionCheck: {
        TableName: table.tableName,
        Key: keys.interaction(after.imodelId, after.ownerId),
        ConditionExpression: "attribute_exists(pk)",
      },
    },
    ...notifications.notes.map((n) => notificationPut(table.tableName, n, notifications.now)),
    ...ownerItems(
      table.tableName,
      token,
      after.schedule
        ? [
            [before.ownerId, -1],
            [after.ownerId, 1],
          ]
        : [],
    ),
  ];
  await transactOrExplain(table, items, (reasons) => {
    const active = reasons[0]?.Item?.activeRunId as string | undefined;
    if (active) return runInProgress(active, "Changing the owner");
    if (failedAt(reasons, 1)) return newOwnerNeverInteracted(after.ownerId);
    return tokenOrConnection(token, reasons, items);
  });
  return after;
}

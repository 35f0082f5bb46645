// Synchronization owners' items: the token a visit issues or renews, the count of scheduled connections an owner has,
// and the trigger's record of what it told them. Connection and run transactions add these writes to their own.
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { SyncOwner } from "../domain/sync-token";
import { isConditionFailure, strip, type TableRef } from "./dynamo";
import { dueKeys } from "./due";
import { keys } from "./keys";
import { notificationPut, type NewNotification } from "./outbox-items";
import type { TokenChange } from "./sync-port";
import { failedAt, transactOrFalse, type TransactItem } from "./transact";
import type { CancellationReason } from "./dynamo";

/** Moves a user's count of owned scheduled connections (the token mails go only to owners of at least one). */
export function scheduledCount(tableName: string, userId: string, delta: number): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: keys.syncToken(userId),
      UpdateExpression: "SET userId = :u ADD scheduledConnections :d, version :one",
      ExpressionAttributeValues: { ":u": userId, ":d": delta, ":one": 1 },
    },
  };
}

/** The conditional write of a token over the version read, for a transaction of its own or of a connection's change. */
export function tokenUpdate(tableName: string, before: SyncOwner | undefined, after: SyncOwner, scheduledDelta = 0) {
  const due = after.nextEventAt ? dueKeys("TOKEN", after.userId, after.nextEventAt) : undefined;
  return {
    TableName: tableName,
    Key: keys.syncToken(after.userId),
    // Only the token fields: the scheduled count is moved by connection transactions concurrently.
    UpdateExpression:
      "SET userId = :u, #token = :token, version = :next" +
      (after.email ? ", email = :email" : "") +
      (after.name ? ", #name = :name" : "") +
      (due ? ", nextEventAt = :nextAt, duePk = :duePk, dueSk = :dueSk" : " REMOVE nextEventAt, duePk, dueSk") +
      // A connection change of the same transaction moves the owner's scheduled count on this item.
      (scheduledDelta ? " ADD scheduledConnections :delta" : ""),
    ConditionExpression: before ? "version = :v" : "attribute_not_exists(pk) OR attribute_not_exists(#token)",
    ExpressionAttributeNames: { "#token": "token", ...(after.name ? { "#name": "name" } : {}) },
    ExpressionAttributeValues: {
      ":u": after.userId,
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

/**
 * The owner items a transaction changes: scheduled counts moved by `counts`, and the caller's token
 * when their visit changes it. One item per user (a transaction names an item once), the token's
 * write last, so `tokenLost` finds it.
 */
export function ownerItems(
  tableName: string,
  token: TokenChange | undefined,
  counts: [userId: string, delta: number][],
): TransactItem[] {
  const deltas = new Map<string, number>();
  for (const [userId, delta] of counts) deltas.set(userId, (deltas.get(userId) ?? 0) + delta);
  const items: TransactItem[] = [];
  for (const [userId, delta] of deltas)
    if (delta !== 0 && userId !== token?.after.userId) items.push(scheduledCount(tableName, userId, delta));
  if (token)
    items.push({ Update: tokenUpdate(tableName, token.before, token.after, deltas.get(token.after.userId) ?? 0) });
  return items;
}

/** Whether a refused transaction with a token write (the last item) failed on the token: another visit wrote it first. */
export const tokenLost = (token: TokenChange | undefined, reasons: CancellationReason[], items: TransactItem[]) =>
  !!token && failedAt(reasons, items.length - 1);

export async function getOwner(table: TableRef, userId: string): Promise<SyncOwner | undefined> {
  const out = await table.ddb.send(
    new GetCommand({ TableName: table.tableName, Key: keys.syncToken(userId), ConsistentRead: true }),
  );
  return strip<SyncOwner>(out.Item);
}

/**
 * Writes the owner's token over the version read (a concurrent visit loses and re-reads), and files
 * its next announcement in the due index. False when another write came first.
 */
export async function saveToken(table: TableRef, before: SyncOwner | undefined, after: SyncOwner): Promise<boolean> {
  try {
    await table.ddb.send(new UpdateCommand(tokenUpdate(table.tableName, before, after)));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Records that the trigger announced a token event (and what comes next) together with the notification, once. */
export async function announceTokenEvent(
  table: TableRef,
  owner: SyncOwner,
  nextEventAt: string | undefined,
  notification: NewNotification | undefined,
  now: Date,
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
        TableName: table.tableName,
        Key: keys.syncToken(owner.userId),
        UpdateExpression: update,
        ConditionExpression: "nextEventAt = :at AND version = :v",
        ExpressionAttributeValues: values,
      },
    },
  ];
  if (notification) items.push(notificationPut(table.tableName, notification, now));
  return transactOrFalse(table, items);
}

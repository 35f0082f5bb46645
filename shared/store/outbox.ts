// The transactional outbox: a notification is written in the same transaction as the change that causes it, then delivered and marked, with retries.
import { GetCommand, QueryCommand, UpdateCommand, type TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import type { Draft, Mail, Recipient } from "../mail/templates";
import { isConditionFailure, strip, type TableRef } from "./dynamo";
import { dueKeys, duePartitions } from "./due";
import { keys } from "./keys";

export interface OutboxNotification {
  /** Deterministic: the same event always makes the same id, so it is recorded and sent once. */
  id: string;
  kind: string;
  /** The mail as rendered when the change was recorded; or `draft` and `recipient`, rendered at delivery. */
  mail?: Mail;
  draft?: Draft;
  recipient?: Recipient;
  status: "pending" | "sent" | "failed";
  attempts: number;
  createdAt: string;
  nextAttemptAt: string;
  sentAt?: string;
  lastError?: string;
}

/** What a change records: the rendered mail, or a draft for a recipient whose address the deliverer looks up. */
export type NewNotification = { id: string; kind: string } & ({ mail: Mail } | { draft: Draft; recipient: Recipient });

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

export interface OutboxStore {
  /** The Put to add to the transaction of the change; fails that transaction if the notification already exists. */
  putInTransaction(n: NewNotification, now: Date): TransactItem;
  /** Claims a pending notification for one delivery attempt; undefined when sent, failed or claimed by someone else. */
  claim(id: string, now: Date, forMs: number): Promise<OutboxNotification | undefined>;
  markSent(id: string, now: Date): Promise<void>;
  /** Records a failed attempt; after `maxAttempts` the notification is marked failed and listed for operators. */
  markAttemptFailed(id: string, now: Date, error: string, retryAt: Date, giveUp: boolean): Promise<void>;
  /** Pending notifications whose next attempt is due, oldest first, at most `limit`. */
  due(now: Date, limit: number): Promise<string[]>;
  get(id: string): Promise<OutboxNotification | undefined>;
  /** Notifications that gave up, newest first: what an operator looks at. */
  failed(limit: number): Promise<OutboxNotification[]>;
}

export class DynamoOutboxStore implements OutboxStore {
  constructor(private readonly table: TableRef) {}

  putInTransaction(n: NewNotification, now: Date): TransactItem {
    const item: OutboxNotification = {
      ...n,
      status: "pending",
      attempts: 0,
      createdAt: now.toISOString(),
      nextAttemptAt: now.toISOString(),
    };
    return {
      Put: {
        TableName: this.table.tableName,
        Item: { ...keys.notification(n.id), ...dueKeys("NOTIFY", n.id, now), ...item },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    };
  }

  async claim(id: string, now: Date, forMs: number) {
    try {
      const out = await this.table.ddb.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: keys.notification(id),
          UpdateExpression: "SET claimedUntil = :until",
          // Only one deliverer at a time: two overlapping ticks never send the same mail twice.
          ConditionExpression: "#status = :pending AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":pending": "pending", ":now": now.toISOString(), ":until": new Date(now.getTime() + forMs).toISOString() },
          ReturnValues: "ALL_NEW",
        }),
      );
      return strip<OutboxNotification>(out.Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async markSent(id: string, now: Date) {
    await this.table.ddb.send(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: keys.notification(id),
        UpdateExpression: "SET #status = :sent, sentAt = :now, attempts = attempts + :one REMOVE duePk, dueSk, claimedUntil",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":sent": "sent", ":now": now.toISOString(), ":one": 1 },
      }),
    );
  }

  async markAttemptFailed(id: string, now: Date, error: string, retryAt: Date, giveUp: boolean) {
    const values: Record<string, unknown> = { ":one": 1, ":error": error.slice(0, 500) };
    let update: string;
    if (giveUp) {
      update = "SET #status = :failed, lastError = :error, attempts = attempts + :one, failedAt = :now, gsi1pk = :failedPk, gsi1sk = :failedSk REMOVE duePk, dueSk, claimedUntil";
      Object.assign(values, { ":failed": "failed", ":now": now.toISOString(), ":failedPk": keys.failedNotifications, ":failedSk": `${now.toISOString()}#${id}` });
    } else {
      const due = dueKeys("NOTIFY", id, retryAt);
      update = "SET lastError = :error, attempts = attempts + :one, nextAttemptAt = :next, dueSk = :dueSk REMOVE claimedUntil";
      Object.assign(values, { ":next": retryAt.toISOString(), ":dueSk": due.dueSk });
    }
    await this.table.ddb.send(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: keys.notification(id),
        UpdateExpression: update,
        ExpressionAttributeNames: giveUp ? { "#status": "status" } : undefined,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async due(now: Date, limit: number) {
    const ids: { id: string; at: string }[] = [];
    for (const partition of duePartitions("NOTIFY")) {
      const out = await this.table.ddb.send(
        new QueryCommand({
          TableName: this.table.tableName,
          IndexName: "due",
          KeyConditionExpression: "duePk = :pk AND dueSk <= :now",
          ExpressionAttributeValues: { ":pk": partition, ":now": `${now.toISOString()}#\uffff` },
          Limit: limit,
        }),
      );
      for (const item of out.Items ?? []) ids.push({ id: item.id as string, at: item.nextAttemptAt as string });
    }
    return ids.sort((a, b) => a.at.localeCompare(b.at)).slice(0, limit).map((x) => x.id);
  }

  async get(id: string) {
    const out = await this.table.ddb.send(new GetCommand({ TableName: this.table.tableName, Key: keys.notification(id), ConsistentRead: true }));
    return strip<OutboxNotification>(out.Item);
  }

  async failed(limit: number) {
    const out = await this.table.ddb.send(
      new QueryCommand({
        TableName: this.table.tableName,
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :pk",
        ExpressionAttributeValues: { ":pk": keys.failedNotifications },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((i) => strip<OutboxNotification>(i)!);
  }
}

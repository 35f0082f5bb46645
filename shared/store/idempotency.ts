// Idempotency-Key receipts: one item per caller and key, with the answer first given, deleted by the table's TTL.
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { RECEIPT_TTL_MS, type Receipt } from "../domain/idempotency";
import { isConditionFailure, type CancellationReason, type TableRef } from "./dynamo";
import type { TransactItem } from "./transact";
import { keys } from "./keys";
import { tableShape } from "./table";

export interface ReceiptStore {
  /** The receipt kept for `scope`, expired or not (strongly consistent: a retry right after the first request finds it). */
  find(scope: string): Promise<Receipt | undefined>;
  /** Keeps the receipt unless a live one is there; false when one is (another request with the key got there first). */
  record(receipt: Receipt): Promise<boolean>;
}

/** Thrown by a store when the receipt in its transaction was refused: a request with the same key got there first. */
export class ReceiptTaken extends Error {
  constructor() {
    super("A request with the same Idempotency-Key was answered first");
    this.name = "ReceiptTaken";
  }
}

/** The receipt's Put: only where none is kept, or the one kept has expired (TTL deletes lazily) when this one was made. */
export function receiptPut(tableName: string, receipt: Receipt): TransactItem {
  const madeAt = Date.parse(receipt.expiresAt) - RECEIPT_TTL_MS;
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.receipt(receipt.scope),
        fingerprint: receipt.fingerprint,
        status: receipt.status,
        // Kept as text: an answer is any JSON, and DynamoDB refuses some of it (empty sets, numbers past 38 digits).
        body: JSON.stringify(receipt.body ?? null),
        expiresAt: receipt.expiresAt,
        [tableShape.timeToLive]: Math.ceil(Date.parse(receipt.expiresAt) / 1000),
      },
      ConditionExpression: "attribute_not_exists(pk) OR #purge <= :now",
      ExpressionAttributeNames: { "#purge": tableShape.timeToLive },
      ExpressionAttributeValues: { ":now": Math.floor(madeAt / 1000) },
    },
  };
}

/**
 * Appends the receipt's Put (last, so the other actions keep their positions) to a creation's transaction;
 * `refused` tells from the cancellation reasons whether the receipt was the one refused.
 */
export function withReceipt(tableName: string, items: TransactItem[], receipt: Receipt | undefined) {
  if (!receipt) return { items, refused: (_reasons: CancellationReason[] | undefined) => false };
  const at = items.length;
  return {
    items: [...items, receiptPut(tableName, receipt)],
    refused: (reasons: CancellationReason[] | undefined) => reasons?.[at]?.Code === "ConditionalCheckFailed",
  };
}

export class DynamoReceiptStore implements ReceiptStore {
  constructor(private readonly table: TableRef) {}

  async find(scope: string): Promise<Receipt | undefined> {
    const out = await this.table.ddb.send(
      new GetCommand({ TableName: this.table.tableName, Key: keys.receipt(scope), ConsistentRead: true }),
    );
    const item = out.Item;
    if (!item) return undefined;
    return {
      scope,
      fingerprint: item.fingerprint as string,
      status: item.status as number,
      body: JSON.parse(item.body as string),
      expiresAt: item.expiresAt as string,
    };
  }

  async record(receipt: Receipt): Promise<boolean> {
    const put = receiptPut(this.table.tableName, receipt).Put!;
    try {
      await this.table.ddb.send(new PutCommand(put));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

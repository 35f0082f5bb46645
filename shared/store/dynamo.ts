// Helpers every repository shares: the table handle, item stripping and reading the reasons of a cancelled transaction.
import { BatchGetCommand, TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { BATCH_ROUNDS, batchBackoff, overCapacity } from "./capacity";

export interface TableRef {
  ddb: DynamoDBDocumentClient;
  tableName: string;
}

const keyAttributes = new Set(["pk", "sk", "gsi1pk", "gsi1sk", "duePk", "dueSk"]);

/** Removes the storage keys so only the domain object is returned. */
export function strip<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!keyAttributes.has(k)) out[k] = v;
  return out as T;
}

export interface CancellationReason {
  Code?: string;
  Item?: Record<string, unknown>;
}

/**
 * The per-action reasons of a TransactionCanceledException (items unmarshalled: the document client
 * leaves errors in wire format), or undefined for any other error.
 */
export function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if ((error as { name?: string })?.name !== "TransactionCanceledException") return undefined;
  const reasons = (error as { CancellationReasons?: { Code?: string; Item?: Record<string, never> }[] }).CancellationReasons ?? [];
  return reasons.map((r) => ({ Code: r.Code, Item: r.Item ? unmarshall(r.Item) : undefined }));
}

/**
 * Strongly consistent BatchGetItem of up to 100 keys, retrying unprocessed keys for `BATCH_ROUNDS` rounds in all (then
 * 503: DynamoDB leaves keys unprocessed when over capacity); one request in the usual case.
 */
export async function batchGet(table: TableRef, wanted: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  let pending: Record<string, unknown>[] = wanted;
  for (let round = 0; pending.length > 0; round++) {
    if (round === BATCH_ROUNDS) throw overCapacity();
    if (round > 0) await batchBackoff(round);
    const out = await table.ddb.send(
      new BatchGetCommand({ RequestItems: { [table.tableName]: { Keys: pending, ConsistentRead: true } } }),
    );
    found.push(...(out.Responses?.[table.tableName] ?? []));
    pending = out.UnprocessedKeys?.[table.tableName]?.Keys ?? [];
  }
  return found;
}

export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string })?.name === "ConditionalCheckFailedException";
}

export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** A transaction whose refusal only means "someone else did it first": true when it was written, false when cancelled. */
export async function transactOrFalse(table: TableRef, items: TransactItem[]): Promise<boolean> {
  try {
    await table.ddb.send(new TransactWriteCommand({ TransactItems: items }));
    return true;
  } catch (error) {
    if (cancellationReasons(error)) return false;
    throw error;
  }
}

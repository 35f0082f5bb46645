// Helpers every repository shares: the table handle, item stripping and reading the reasons of a cancelled transaction.
import { BatchGetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
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
  const reasons =
    (error as { CancellationReasons?: { Code?: string; Item?: Record<string, never> }[] }).CancellationReasons ?? [];
  return reasons.map((r) => ({ Code: r.Code, Item: r.Item ? unmarshall(r.Item) : undefined }));
}

/**
 * The identity of a key: two requests for the same item give the same text. The table's keys are `pk` and `sk`
 * strings, answered without sorting (this runs for every key of every BatchGetItem, the permission check's among them);
 * any other shape is named by its attributes in name order.
 */
export const keyText = (key: Record<string, unknown>): string => {
  const { pk, sk } = key;
  if (typeof pk === "string" && typeof sk === "string" && Object.keys(key).length === 2)
    return JSON.stringify([pk, sk]);
  return JSON.stringify(
    Object.keys(key)
      .sort()
      .map((name) => [name, key[name]]),
  );
};

/** Each key once, in the order first asked: BatchGetItem refuses a request that names one item twice (a 400 from DynamoDB, a 500 to the caller). */
export function distinctKeys<T extends Record<string, unknown>>(wanted: readonly T[]): T[] {
  const seen = new Set<string>();
  return wanted.filter((key) => {
    const text = keyText(key);
    if (seen.has(text)) return false;
    seen.add(text);
    return true;
  });
}

/**
 * Strongly consistent BatchGetItem of up to 100 distinct keys (a key asked twice is read once), retrying unprocessed
 * keys for `BATCH_ROUNDS` rounds in all (then 503: DynamoDB leaves keys unprocessed when over capacity); one request in
 * the usual case. Answers each item found once.
 */
export async function batchGet(table: TableRef, wanted: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  return batchGetDistinct(table, distinctKeys(wanted));
}

/** `batchGet` of keys already made distinct by the caller (`batchGetMany` does it once for all its requests). */
export async function batchGetDistinct(
  table: TableRef,
  distinct: Record<string, unknown>[],
): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  let pending = distinct;
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

/** The items read for `wanted`, position by position (undefined where none exists; a key asked twice answers the same item twice). */
export function atPositions(
  wanted: readonly Record<string, unknown>[],
  found: readonly Record<string, unknown>[],
): (Record<string, unknown> | undefined)[] {
  const byKey = new Map<string, Record<string, unknown>>();
  for (const item of found) byKey.set(keyText({ pk: item.pk, sk: item.sk }), item);
  return wanted.map((key) => byKey.get(keyText({ pk: key.pk, sk: key.sk })));
}

export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string })?.name === "ConditionalCheckFailedException";
}

// Strongly consistent reads of one partition by sort-key prefix (pages with cursors), removing many items at once, and transactions that survive collisions.
import { BatchWriteCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { BATCH_ROUNDS, batchBackoff, overCapacity } from "./capacity";
import { batchGetDistinct, distinctKeys, strip, type TableRef } from "./dynamo";
import { decodeCursor, encodeCursor, type Page } from "./page";

type Item = Record<string, unknown>;

export interface PageRequest {
  limit: number;
  cursor?: string;
}

/** One strongly consistent Query of `pk` for sort keys starting with `prefix` (every item of the partition when empty). */
export async function queryPrefix(
  table: TableRef,
  pk: string,
  prefix: string,
  options: { limit?: number; start?: Item; filter?: { expression: string; values: Item }; newestFirst?: boolean } = {},
): Promise<{ items: Item[]; lastKey?: Item }> {
  const out = await table.ddb.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: prefix ? "pk = :pk AND begins_with(sk, :prefix)" : "pk = :pk",
      ExpressionAttributeValues: {
        ":pk": pk,
        ...(prefix ? { ":prefix": prefix } : {}),
        ...(options.filter?.values ?? {}),
      },
      ...(options.filter ? { FilterExpression: options.filter.expression } : {}),
      ...(options.limit ? { Limit: options.limit } : {}),
      ...(options.start ? { ExclusiveStartKey: options.start } : {}),
      ...(options.newestFirst ? { ScanIndexForward: false } : {}),
      ConsistentRead: true,
    }),
  );
  return { items: out.Items ?? [], lastKey: out.LastEvaluatedKey };
}

/** A page of domain objects under a prefix; the cursor is bound to the partition and the prefix. */
export async function pageOfPrefix<T>(
  table: TableRef,
  pk: string,
  prefix: string,
  page: PageRequest & { newestFirst?: boolean },
): Promise<Page<T>> {
  const start = decodeCursor(page.cursor, { pk }, { name: "sk", prefix });
  const { items, lastKey } = await queryPrefix(table, pk, prefix, {
    limit: page.limit,
    start,
    newestFirst: page.newestFirst,
  });
  return { items: items.map((i) => strip<T>(i)!), next: encodeCursor(lastKey) };
}

/** Every item under a prefix, page after page (for removals and small per-iModel sets). */
export async function allOfPrefix(
  table: TableRef,
  pk: string,
  prefix: string,
  filter?: { expression: string; values: Item },
): Promise<Item[]> {
  const all: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await queryPrefix(table, pk, prefix, { start, filter });
    all.push(...page.items);
    start = page.lastKey;
  } while (start);
  return all;
}

/** BatchGetItem of any number of keys, 100 distinct keys per request (a key asked twice is read once). */
export async function batchGetMany(table: TableRef, asked: Item[]): Promise<Item[]> {
  const found: Item[] = [];
  const wanted = distinctKeys(asked);
  for (let i = 0; i < wanted.length; i += 100) found.push(...(await batchGetDistinct(table, wanted.slice(i, i + 100))));
  return found;
}

/** Deletes items by key, 25 per BatchWriteItem, retrying unprocessed ones for `BATCH_ROUNDS` rounds in all (then 503). */
export async function deleteAll(table: TableRef, items: Item[]): Promise<void> {
  const keysOf = items.map((i) => ({ pk: i.pk, sk: i.sk }));
  for (let i = 0; i < keysOf.length; i += 25) {
    let pending = keysOf.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
    for (let round = 0; pending.length > 0; round++) {
      if (round === BATCH_ROUNDS) throw overCapacity();
      if (round > 0) await batchBackoff(round);
      const out = await table.ddb.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: pending } }));
      pending = (out.UnprocessedItems?.[table.tableName] ?? []) as typeof pending;
    }
  }
}

// The transaction primitive lives in transact.ts; these names stay importable from here.
export { MAX_TRANSACTION_ITEMS, transactWrite } from "./transact";

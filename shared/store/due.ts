// Keys of the sparse `due` index: work waiting for a moment (scheduled runs, leases, token events, mail to deliver), sharded and ordered by time.
import { createHash } from "node:crypto";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { config } from "../config";
import type { TableRef } from "./dynamo";

/** Each kind of due work spreads over this many partitions, so no one partition takes every write (sized in docs/scale.md). */
export const DUE_SHARDS = config.DUE_SHARDS;

export type DueKind = "RUN" | "LEASE" | "TOKEN" | "NOTIFY" | "DIGEST";

const shardOf = (id: string) => createHash("sha1").update(id).digest().readUInt32BE(0) % DUE_SHARDS;

/** The index keys that make an item due at `at`; the item leaves the index when these are removed. */
export function dueKeys(kind: DueKind, id: string, at: Date | string): { duePk: string; dueSk: string } {
  const iso = typeof at === "string" ? at : at.toISOString();
  return { duePk: `DUE#${kind}#${shardOf(id)}`, dueSk: `${iso}#${id}` };
}

export function duePartitions(kind: DueKind): string[] {
  return Array.from({ length: DUE_SHARDS }, (_, shard) => `DUE#${kind}#${shard}`);
}

/** One item of due work as the index holds it: its moment and id (from `dueSk`) and the attributes asked for. */
export interface DueEntry {
  at: string;
  id: string;
  item: Record<string, unknown>;
}

/**
 * The one query of the `due` index for the trigger's kinds of work: every partition of `kind` read for items whose
 * moment has come (`dueSk <= now`), merged oldest first, at most `limit`. Never a Scan: cost grows with the due work.
 */
export async function dueEntries(
  table: TableRef,
  kind: DueKind,
  now: Date,
  limit: number,
  projection?: string,
): Promise<DueEntry[]> {
  const found: DueEntry[] = [];
  for (const partition of duePartitions(kind)) {
    const out = await table.ddb.send(
      new QueryCommand({
        TableName: table.tableName,
        IndexName: "due",
        KeyConditionExpression: "duePk = :pk AND dueSk <= :now",
        ExpressionAttributeValues: { ":pk": partition, ":now": `${now.toISOString()}#\uffff` },
        ...(projection ? { ProjectionExpression: projection } : {}),
        Limit: limit,
      }),
    );
    for (const item of out.Items ?? []) {
      const sk = item.dueSk as string;
      const cut = sk.indexOf("#");
      found.push({ at: sk.slice(0, cut), id: sk.slice(cut + 1), item });
    }
  }
  return found.sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id)).slice(0, limit);
}

// Keys of the sparse `due` index: work waiting for a moment (scheduled runs, leases, token events, mail to deliver), sharded and ordered by time.
import { createHash } from "node:crypto";
import { config } from "../config";

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

// Cursor pagination: a cursor is the DynamoDB LastEvaluatedKey, bound to the partition it was read from so it cannot be replayed elsewhere.
import { invalidInput } from "../errors";

export interface Page<T> {
  items: T[];
  next?: string;
}

type Key = Record<string, unknown>;

export function encodeCursor(lastKey: Key | undefined): string | undefined {
  return lastKey ? Buffer.from(JSON.stringify(lastKey), "utf8").toString("base64url") : undefined;
}

/** Decodes a cursor and checks it belongs to the partition being listed; anything else is a 400, not a silent restart. */
export function decodeCursor(cursor: string | undefined, partition: Key, sortKeyPrefix?: { name: string; prefix: string }): Key | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    key = undefined;
  }
  const valid =
    typeof key === "object" &&
    key !== null &&
    Object.values(key).every((v) => typeof v === "string") &&
    Object.entries(partition).every(([name, value]) => (key as Key)[name] === value) &&
    (!sortKeyPrefix || String((key as Key)[sortKeyPrefix.name]).startsWith(sortKeyPrefix.prefix));
  if (!valid) throw invalidInput("Invalid query.cursor: not a cursor of this list", { fields: [{ field: "query.cursor", reason: "unknown cursor" }] });
  return key as Key;
}

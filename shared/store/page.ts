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

/**
 * Decodes a cursor and checks it is exactly a key of the list being read: the partition's key, one sort key
 * under the list's prefix and nothing else, all strings. Anything else (an extra attribute, another
 * list's cursor, a number where a string belongs) is a 400 naming the cursor, never a silent restart or
 * a key DynamoDB refuses.
 */
export function decodeCursor(
  cursor: string | undefined,
  partition: Key,
  sortKeyPrefix: { name: string; prefix: string } = { name: "sk", prefix: "" },
): Key | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    key = undefined;
  }
  const names = new Set([...Object.keys(partition), sortKeyPrefix.name]);
  const valid =
    typeof key === "object" &&
    key !== null &&
    !Array.isArray(key) &&
    Object.keys(key).length === names.size &&
    Object.keys(key).every((name) => names.has(name)) &&
    Object.values(key).every((v) => typeof v === "string" && v.length > 0 && v.length <= 1024) &&
    Object.entries(partition).every(([name, value]) => (key as Key)[name] === value) &&
    String((key as Key)[sortKeyPrefix.name]).startsWith(sortKeyPrefix.prefix);
  if (!valid)
    throw invalidInput("Invalid query.cursor: not a cursor of this list", {
      fields: [{ field: "query.cursor", reason: "unknown cursor" }],
    });
  return key as Key;
}

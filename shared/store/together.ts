// Typed readers and `readTogether`: what several repositories want read goes out in one strongly consistent
// BatchGetItem, and each reader makes its own typed answer of the items found. Only store/ looks inside a reader.
import { strip, type TableRef } from "./dynamo";
import { batchGetMany } from "./partition";

type Key = { pk: string; sk: string };
type Item = Record<string, unknown>;

/** The item read for a key (undefined when none exists). */
export type Found = (key: Key) => Item | undefined;

/** A typed read: the keys it needs and what it makes of the items found. Use cases hold it, never open it. */
export interface Reader<T> {
  readonly keys: readonly Key[];
  readonly make: (found: Found) => T;
}

/** The readers of a tuple of answers. */
export type Readers<T extends readonly unknown[]> = { readonly [K in keyof T]: Reader<T[K]> };

export const reader = <T>(keys: readonly Key[], make: (found: Found) => T): Reader<T> => ({ keys, make });

/** One item as a domain object without its storage keys; `accept` may refuse an item of another kind. */
export const itemReader = <T>(key: Key, accept: (item: Item) => boolean = () => true): Reader<T | undefined> =>
  reader([key], (found) => {
    const item = found(key);
    return item && accept(item) ? strip<T>(item) : undefined;
  });

/** Nothing to read: answers undefined (an optional part of a read). */
export const nothing: Reader<undefined> = reader([], () => undefined);

/** Many readers as one, answering their answers in order. */
export const readAll = <T>(readers: readonly Reader<T>[]): Reader<T[]> =>
  reader(
    readers.flatMap((r) => r.keys),
    (found) => readers.map((r) => r.make(found)),
  );

/** A reader whose answer is `f` of another's. */
export const mapReader = <T, U>(r: Reader<T>, f: (value: T) => U): Reader<U> =>
  reader(r.keys, (found) => f(r.make(found)));

/** The items of `found` by key. */
export function finder(items: readonly Item[]): Found {
  const byKey = new Map<string, Item>();
  for (const item of items) byKey.set(`${item.pk}\u0000${item.sk}`, item);
  return (key) => byKey.get(`${key.pk}\u0000${key.sk}`);
}

/**
 * Reads what every reader needs in one strongly consistent BatchGetItem (up to 100 distinct keys; a key asked twice is
 * read once) and answers each reader's answer, as a tuple in the readers' order.
 */
export async function readTogether<T extends readonly unknown[]>(table: TableRef, ...readers: Readers<T>): Promise<T> {
  const found = finder(
    await batchGetMany(
      table,
      readers.flatMap((r) => r.keys),
    ),
  );
  return readers.map((r) => r.make(found)) as unknown as T;
}

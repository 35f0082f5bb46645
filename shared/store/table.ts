// The one DynamoDB table's shape: keys and indexes, read by the CDK stack, the local stack and the tests alike.

/** Generic item keys: every item has pk/sk; items that must be listed another way also carry gsi1pk/gsi1sk. */
export const tableShape = {
  partitionKey: "pk",
  sortKey: "sk",
  indexes: [
    /** Inverted lists: the organisations of a user, the iModels of an iTwin, the connections of an owner. */
    { name: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk" },
    /** Sparse, ordered by due time: only items with pending work carry `duePk`/`dueSk` (section 4: no Scan). */
    { name: "due", partitionKey: "duePk", sortKey: "dueSk" },
  ],
  /**
   * Epoch seconds after which DynamoDB may delete the item (usually within days): Idempotency-Key receipts, expired
   * invitations. Readers still check expiry themselves.
   */
  timeToLive: "purgeAt",
} as const;

/** The item with the `timeToLive` attribute set when it has an expiry: DynamoDB removes it some time after `expiresAt`. */
export function expiring<T extends Record<string, unknown>>(item: T, expiresAt: string | undefined): T {
  return expiresAt ? { ...item, [tableShape.timeToLive]: Math.ceil(new Date(expiresAt).getTime() / 1000) } : item;
}

export type IndexName = (typeof tableShape.indexes)[number]["name"];

/** The key schema and indexes in DynamoDB's own terms: the local stack creates exactly this, and the infra test holds the template to it. */
export function keyDefinition() {
  const keySchema = (partitionKey: string, sortKey: string) => [
    { AttributeName: partitionKey, KeyType: "HASH" as const },
    { AttributeName: sortKey, KeyType: "RANGE" as const },
  ];
  return {
    KeySchema: keySchema(tableShape.partitionKey, tableShape.sortKey),
    GlobalSecondaryIndexes: tableShape.indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: keySchema(index.partitionKey, index.sortKey),
      Projection: { ProjectionType: "ALL" as const },
    })),
  };
}

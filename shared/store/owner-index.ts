// The owner index (gsi1 `OWNER#<userId>`): the connections a user owns and their token state in one Query (GET /me/connections).
import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { imodelOfConnection } from "../child-ids";
import type { Connection } from "../domain/connection";
import type { SyncOwner } from "../domain/sync-token";
import { invalidInput } from "../errors";
import { strip, type TableRef } from "./dynamo";
import { keys } from "./keys";
import { decodeCursor, encodeCursor } from "./page";

export interface OwnedConnectionsPage {
  connections: Connection[];
  /** The owner's token item (undefined when they have none). */
  owner: SyncOwner | undefined;
  next?: string;
}

const badCursor = () =>
  invalidInput("Invalid query.cursor: not a cursor of this list", {
    fields: [{ field: "query.cursor", reason: "unknown cursor" }],
  });

/**
 * A page of the connections `userId` owns, ordered by id (so grouped by iModel), with their token item. The first
 * page is one Query: the token's `#TOKEN` entry sorts before every `CONN#` entry. A later page starts after a
 * connection, so the token comes from a GetItem sent at the same time (one round trip). The index is eventually
 * consistent (a connection taken a moment ago may show a moment later); every connection route reads strongly.
 * The cursor holds only the last connection's index sort key: the table keys are derived from its id.
 */
export async function ownedConnectionsPage(
  table: TableRef,
  userId: string,
  page: { limit: number; cursor?: string },
): Promise<OwnedConnectionsPage> {
  const partition = keys.ownerTokenEntry(userId).gsi1pk;
  const after = decodeCursor(
    page.cursor,
    { gsi1pk: partition },
    { name: "gsi1sk", prefix: keys.ownedConnectionPrefix },
  );
  let start: Record<string, unknown> | undefined;
  if (after) {
    const connectionId = String(after.gsi1sk).slice(keys.ownedConnectionPrefix.length);
    const imodelId = imodelOfConnection(connectionId);
    if (!imodelId) throw badCursor();
    start = { ...after, ...keys.connection(imodelId, connectionId) };
  }
  const query = table.ddb.send(
    new QueryCommand({
      TableName: table.tableName,
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :pk",
      ExpressionAttributeValues: { ":pk": partition },
      // The first page holds the token entry too.
      Limit: page.limit + (start ? 0 : 1),
      ...(start ? { ExclusiveStartKey: start } : {}),
    }),
  );
  const token = start ? readToken(table, userId) : undefined;
  const [out, got] = await Promise.all([query, token]);
  const items = out.Items ?? [];
  const tokenEntry = items.find((i) => i.gsi1sk === keys.ownerTokenEntry(userId).gsi1sk);
  const connections = items.filter((i) => i !== tokenEntry).map((i) => strip<Connection>(i)!);
  // A token item written before it carried its index entry: read it directly (its next write adds the entry).
  const owner = start ? got : (tokenEntry ?? (connections.length ? await readToken(table, userId) : undefined));
  const last = out.LastEvaluatedKey;
  return {
    connections,
    owner: strip<SyncOwner>(owner),
    next:
      last && String(last.gsi1sk).startsWith(keys.ownedConnectionPrefix)
        ? encodeCursor({ gsi1pk: partition, gsi1sk: last.gsi1sk })
        : undefined,
  };
}

async function readToken(table: TableRef, userId: string) {
  const out = await table.ddb.send(
    new GetCommand({ TableName: table.tableName, Key: keys.syncToken(userId), ConsistentRead: true }),
  );
  return out.Item;
}

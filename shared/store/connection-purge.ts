// What a deleted iModel's connections leave outside its partition: their runs, and their owners' scheduled-connection counts.
import type { Connection } from "../domain/connection";
import { cancellationReasons, type TableRef } from "./dynamo";
import { keys } from "./keys";
import { allOfPrefix, deleteAll, transactWrite } from "./partition";
import { scheduledCount } from "./sync";

/** Every run of the connection: the run items and their copies in the connection's list. */
async function removeRuns(table: TableRef, connectionId: string): Promise<void> {
  const copies = await allOfPrefix(table, keys.connectionRuns(connectionId).pk, keys.connectionRunPrefix);
  await deleteAll(table, [...copies.map((c) => keys.run(c.runId as string)), ...copies]);
}

/**
 * Removes the iModel's connections with everything they left elsewhere, before the partition itself
 * goes. Idempotent (the purge job may run twice): each connection is removed in one transaction with
 * its owner's count, conditioned on it still being there, so the count moves once. Runs are removed
 * before (a retried job still finds the connection) and after (a run the trigger queued in between).
 */
export async function purgeConnections(table: TableRef, imodelId: string): Promise<void> {
  const items = await allOfPrefix(table, keys.imodelPartition(imodelId).pk, keys.imodelConnectionPrefix);
  for (const item of items) {
    const connection = item as unknown as Connection;
    await removeRuns(table, connection.id);
    try {
      await transactWrite(table, [
        {
          Delete: {
            TableName: table.tableName,
            Key: keys.connection(imodelId, connection.id),
            ConditionExpression: "attribute_exists(pk)",
          },
        },
        // Rule: the token mails go to owners of at least one scheduled connection; this one no longer exists.
        ...(connection.schedule ? [scheduledCount(table.tableName, connection.ownerId, -1)] : []),
      ]);
    } catch (error) {
      // Already removed by an earlier attempt of the job: its count moved then.
      if (cancellationReasons(error)?.[0]?.Code !== "ConditionalCheckFailed") throw error;
    }
    await removeRuns(table, connection.id);
  }
}

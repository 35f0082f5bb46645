// Cancelling a run in one transaction: the run ends `failed`/`Cancelled` only if it is still queued or running, and its connection is freed with it.
import type { Run } from "../domain/connection";
import { cancelledLastRun } from "../domain/run-cancel";
import { concurrentChange, runEnded, tokenChanged } from "../errors";
import { strip, type TableRef } from "./dynamo";
import { keys } from "./keys";
import { tokenUpdate } from "./sync-owners";
import type { TokenChange } from "./sync-port";
import { failedAt, transactOrExplain, type TransactItem } from "./transact";

/**
 * Ends `run` as `failed`/`Cancelled` at `at`, in one transaction:
 * - the run, conditioned on its state still being `queued` or `running` (Rule: an ended run stays as it ended), and
 *   out of the lease index; a worker that holds it fails `to running` or its finish on this same condition, so it
 *   appends nothing;
 * - its copy in the connection's list;
 * - the connection: `activeRunId` removed (the connection is free at once), `lastRun` set, `version` moved (a
 *   worker's finish and any edit read before now fail their version condition), conditioned on this run being the
 *   active one;
 * - with `token`, the caller's visit (the write last, conditioned on the version read).
 * Throws RunEnded (with the state found) when the run had ended, TokenChanged when another visit wrote the token.
 * The connection is not read first, so the run records no `finishedVersion`.
 */
export async function cancelRun(table: TableRef, run: Run, at: Date, token?: TokenChange): Promise<Run> {
  const finishedAt = at.toISOString();
  const set = { ":failed": "failed", ":reason": "Cancelled", ":at": finishedAt };
  const ended = "SET #state = :failed, reason = :reason, finishedAt = :at";
  const items: TransactItem[] = [
    {
      Update: {
        TableName: table.tableName,
        Key: keys.run(run.id),
        UpdateExpression: `${ended} REMOVE duePk, dueSk`,
        ConditionExpression: "#state IN (:queued, :running)",
        ExpressionAttributeNames: { "#state": "state" },
        ExpressionAttributeValues: { ...set, ":queued": "queued", ":running": "running" },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    },
    {
      Update: {
        TableName: table.tableName,
        Key: keys.connectionRun(run.connectionId, run.queuedAt, run.id),
        UpdateExpression: ended,
        ExpressionAttributeNames: { "#state": "state" },
        ExpressionAttributeValues: set,
      },
    },
    {
      Update: {
        TableName: table.tableName,
        Key: keys.connection(run.imodelId, run.connectionId),
        // Rule: one active run per connection; cancelling it frees the connection in the same transaction.
        UpdateExpression: "SET lastRun = :lastRun ADD version :one REMOVE activeRunId",
        ConditionExpression: "activeRunId = :run",
        ExpressionAttributeValues: { ":run": run.id, ":one": 1, ":lastRun": cancelledLastRun(run, finishedAt) },
      },
    },
    ...(token ? [{ Update: tokenUpdate(table.tableName, token.before, token.after) }] : []),
  ];
  await transactOrExplain(table, items, (reasons) => {
    if (failedAt(reasons, 0)) return runEnded(run.id, strip<Run>(reasons[0]!.Item)?.state ?? "gone");
    if (token && failedAt(reasons, items.length - 1)) return tokenChanged();
    return concurrentChange("The connection");
  });
  return { ...run, state: "failed", reason: "Cancelled", finishedAt };
}

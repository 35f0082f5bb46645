// The one place DynamoDB's "over capacity" answers become 503 with Retry-After, whichever request or transaction they hit.
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { serviceUnavailable } from "../errors";

/** Error names DynamoDB answers when a table, partition or account is over its capacity or request rate. */
const throttledErrors = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
]);

/** Cancellation reason codes of a transaction that was refused for capacity, not for a condition or a collision. */
const throttledReasons = new Set(["ThrottlingError", "ProvisionedThroughputExceeded"]);

/**
 * True for a refusal that says "too much, try later": one of `throttledErrors`, or a TransactionCanceledException
 * whose reasons include a throttled action (its conditions may not even have been judged, so it is no rule's refusal).
 */
export function isThrottled(error: unknown): boolean {
  const { name, CancellationReasons } = (error ?? {}) as { name?: string; CancellationReasons?: { Code?: string }[] };
  if (name !== undefined && throttledErrors.has(name)) return true;
  return (
    name === "TransactionCanceledException" &&
    (CancellationReasons ?? []).some((r) => r.Code !== undefined && throttledReasons.has(r.Code))
  );
}

export const overCapacity = () =>
  serviceUnavailable("The service is over its capacity for a moment; retry after the time in Retry-After");

const guarded = new WeakSet<object>();

/**
 * Makes every request of `ddb` answer a throttled refusal as `overCapacity()`, after the SDK's own retries (the
 * middleware wraps them, at the initialize step). Stores never see the raw refusal, so a throttled transaction cannot
 * pass for a failed condition (409) or an unknown fault (500). Idempotent: guarding a client twice adds nothing.
 */
export function guardCapacity(ddb: DynamoDBDocumentClient): DynamoDBDocumentClient {
  if (guarded.has(ddb.middlewareStack)) return ddb;
  guarded.add(ddb.middlewareStack);
  ddb.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        throw isThrottled(error) ? overCapacity() : error;
      }
    },
    { step: "initialize", name: "twinAccessCapacity", priority: "high" },
  );
  return ddb;
}

/** Rounds of BatchGetItem / BatchWriteItem for the keys or items DynamoDB left unprocessed, before answering 503. */
export const BATCH_ROUNDS = 5;

/** The pause before round `round` (1-based) of a batch: exponential from 50 ms, at most 1 s; about 0.75 s in all. */
export const batchBackoff = (round: number) => new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** round)));

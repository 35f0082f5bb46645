// The one way a transaction is sent: collisions with another transaction are sent again, a refused condition is
// answered (as the reasons, false, or the rule's AppError a store's `explain` callback names for it).
import { TransactWriteCommand, type TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import { serviceUnavailable, type AppError } from "../errors";
import { cancellationReasons, type CancellationReason, type TableRef } from "./dynamo";
import { retrying, shortPause } from "./retry";

export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** The most actions one TransactWriteItems takes. */
export const MAX_TRANSACTION_ITEMS = 100;

/** Attempts of a transaction that only collided with another one (no condition failed). */
const TRANSACTION_ATTEMPTS = 5;

/** Maps a refused transaction's reasons (by action index) to the rule's error (or a store's own signal, such as ReceiptTaken). */
export type Explain = (reasons: CancellationReason[]) => AppError | Error;

/** Whether the action at `index` was refused by its condition. */
export const failedAt = (reasons: readonly CancellationReason[], index: number): boolean =>
  reasons[index]?.Code === "ConditionalCheckFailed";

/** A cancellation that only collided with a concurrent transaction: no condition failed, so a resend is judged afresh. */
const collidedOnly = (reasons: CancellationReason[] | undefined) =>
  !!reasons?.some((r) => r.Code === "TransactionConflict") && !reasons.some((r) => r.Code === "ConditionalCheckFailed");

class Collided extends Error {
  constructor(
    readonly reasons: CancellationReason[],
    override readonly cause: unknown,
  ) {
    super("transaction collided");
  }
}

/**
 * Sends one TransactWriteItems. Collisions are sent again (its conditions encode what was read, so a resend is judged
 * afresh). Collisions that persist are answered as a refusal (`persistent: "refused"`, which the caller's explanation
 * makes a ConcurrentChange, as before) or as 503 with Retry-After (`"unavailable"`). Answers undefined when written, else
 * the cancellation with its reasons. Other errors are thrown.
 */
export async function transactRaw(
  table: TableRef,
  items: TransactItem[],
  persistent: "refused" | "unavailable" = "refused",
): Promise<{ reasons: CancellationReason[]; error: unknown } | undefined> {
  try {
    return await retrying(
      async () => {
        try {
          await table.ddb.send(new TransactWriteCommand({ TransactItems: items }));
          return undefined;
        } catch (error) {
          const reasons = cancellationReasons(error);
          if (!reasons) throw error;
          if (collidedOnly(reasons)) throw new Collided(reasons, error);
          return { reasons, error };
        }
      },
      (error) => error instanceof Collided,
      { tries: TRANSACTION_ATTEMPTS, pauseMs: shortPause },
    );
  } catch (error) {
    if (!(error instanceof Collided)) throw error;
    if (persistent === "unavailable")
      throw serviceUnavailable("Concurrent changes to the same items; retry after the time in Retry-After");
    // Still colliding: answered as a refusal, which the caller explains (a ConcurrentChange its use case re-reads).
    return { reasons: error.reasons, error: error.cause };
  }
}

/** Sends the transaction: undefined when written, the reasons when a condition refused it. */
export async function transact(table: TableRef, items: TransactItem[]): Promise<CancellationReason[] | undefined> {
  return (await transactRaw(table, items))?.reasons;
}

/** Sends the transaction; a refusal is thrown as the AppError `explain` makes of its reasons. */
export async function transactOrExplain(table: TableRef, items: TransactItem[], explain: Explain): Promise<void> {
  const reasons = await transact(table, items);
  if (reasons) throw explain(reasons);
}

/** A transaction whose refusal only means "someone else did it first": true when it was written, false when refused. */
export async function transactOrFalse(table: TableRef, items: TransactItem[]): Promise<boolean> {
  return !(await transact(table, items));
}

/** Sends the transaction; a refusal throws DynamoDB's TransactionCanceledException as it came (for callers reading it). */
export async function transactWrite(table: TableRef, items: TransactItem[]): Promise<void> {
  const refused = await transactRaw(table, items, "unavailable");
  if (refused) throw refused.error;
}

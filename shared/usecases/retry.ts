// Retries a use case that lost a race: conflicting writes re-read and try again a bounded number of times.
import { isAppError } from "../errors";
import { retrying } from "../store/retry";

const isConcurrentChange = (error: unknown) => isAppError(error, "ConcurrentChange");

/** Concurrent changes are expected (section 1: "also when two such changes race"); a lost race is re-read and retried. */
export function retryingConcurrentChanges<T>(attempt: () => Promise<T>, tries = 25): Promise<T> {
  return retrying(attempt, isConcurrentChange, { tries, pauseMs: (n) => 10 * Math.min(n, 10) });
}

/** The same policy without a pause: the attempt reads afresh anyway (a run's end, a visit's token). */
export function rereadingConcurrentChanges<T>(attempt: () => Promise<T>, tries: number): Promise<T> {
  return retrying(attempt, isConcurrentChange, { tries });
}

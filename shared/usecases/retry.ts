// Retries a use case that lost a race: conflicting writes re-read and try again a bounded number of times.
import { isAppError } from "../errors";

/** Concurrent changes are expected (section 1: "also when two such changes race"); a lost race is re-read and retried. */
export async function retryingConcurrentChanges<T>(attempt: () => Promise<T>, tries = 25): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isAppError(error, "ConcurrentChange") || i >= tries) throw error;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * Math.min(i, 10)));
    }
  }
}

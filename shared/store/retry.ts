// The one retry policy: an attempt that lost a race is made again a capped number of times, after a short random pause.

export interface RetryPolicy {
  /** Attempts in all, the first included (the cap). */
  tries: number;
  /** The most the pause before attempt `n` (2-based) may be, in ms; 0 for none. Random below it, so racers spread. */
  pauseMs?: (attempt: number) => number;
}

/** Collisions and lost races: up to 20 ms times the attempt, at most 200 ms. */
export const shortPause = (attempt: number) => Math.min(200, 20 * attempt);

const pause = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, Math.random() * ms)) : Promise.resolve());

/**
 * Makes `attempt` again while it fails with an error `retryable` accepts, `policy.tries` times at most; the last
 * failure (or any other error) is thrown. `attempt` gets its 1-based number.
 */
export async function retrying<T>(
  attempt: (n: number) => Promise<T>,
  retryable: (error: unknown) => boolean,
  policy: RetryPolicy,
): Promise<T> {
  for (let n = 1; ; n++) {
    if (n > 1) await pause(policy.pauseMs?.(n - 1) ?? 0);
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= policy.tries || !retryable(error)) throw error;
    }
  }
}

/** Thrown by an attempt whose conditional write lost to another one: the policy makes it again. */
export class LostRace extends Error {
  override name = "LostRace";
}

export const isLostRace = (error: unknown): error is LostRace => error instanceof LostRace;

/**
 * Makes `attempt` again while it answers `undefined` (it lost a race and reads again), `policy.tries` times at most;
 * answers `exhausted()` after the last.
 */
export async function untilWon<T>(
  attempt: (n: number) => Promise<T | undefined>,
  policy: RetryPolicy,
  exhausted: () => T | Promise<T>,
): Promise<T> {
  try {
    return await retrying(
      async (n) => {
        const result = await attempt(n);
        if (result === undefined) throw new LostRace();
        return result;
      },
      isLostRace,
      policy,
    );
  } catch (error) {
    if (isLostRace(error)) return exhausted();
    throw error;
  }
}

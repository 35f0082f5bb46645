// The token bucket rule of the per-organisation request rate, without AWS.
import { describe, expect, it } from "vitest";
import { returnToken, takeToken } from "../../shared/domain/rate-limit";

describe("token bucket", () => {
  it("lets a burst of one second's worth through, then refuses with the whole seconds until the next token", () => {
    let bucket = undefined as Parameters<typeof takeToken>[0];
    const allowed: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      const taken = takeToken(bucket, 1000, 5);
      bucket = taken.bucket;
      allowed.push(taken.allowed);
    }
    expect(allowed).toEqual([true, true, true, true, true, false]);
    const refused = takeToken(bucket, 1000, 5);
    expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    // A fifth of a second later one token has come back (5 a second).
    expect(takeToken(refused.bucket, 1200, 5).allowed).toBe(true);
  });

  it("never fills above the burst, however long it was idle, and a returned token does not either", () => {
    const full = takeToken({ tokens: 0, at: 0 }, 3_600_000, 2).bucket;
    expect(full.tokens).toBe(1);
    expect(returnToken(returnToken(full, 2), 2).tokens).toBe(2);
  });
});

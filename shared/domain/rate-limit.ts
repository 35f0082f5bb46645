// The per-organisation request rate rule as a pure token bucket: how full a bucket is now, whether a request may take a token, and how long to wait when not.

/** A bucket holds at most one second's worth of requests (the burst) and refills at the rate, continuously. */
export interface Bucket {
  tokens: number;
  /** Milliseconds since the epoch when `tokens` was true. */
  at: number;
}

export type Taken = { allowed: true; bucket: Bucket } | { allowed: false; bucket: Bucket; retryAfterSeconds: number };

/** Refills the bucket up to `now`, then takes one token if there is a whole one. A new bucket starts full. */
export function takeToken(bucket: Bucket | undefined, now: number, perSecond: number): Taken {
  const elapsed = bucket ? Math.max(0, now - bucket.at) : 0;
  const tokens = bucket ? Math.min(perSecond, bucket.tokens + (elapsed / 1000) * perSecond) : perSecond;
  if (tokens >= 1) return { allowed: true, bucket: { tokens: tokens - 1, at: now } };
  // Whole seconds, as Retry-After carries; at least 1, so a client never retries at once.
  const retryAfterSeconds = Math.max(1, Math.ceil((1 - tokens) / perSecond));
  return { allowed: false, bucket: { tokens, at: now }, retryAfterSeconds };
}

/** Gives a token back (a request that turned out not to be the organisation's), never above the burst. */
export function returnToken(bucket: Bucket, perSecond: number): Bucket {
  return { tokens: Math.min(perSecond, bucket.tokens + 1), at: bucket.at };
}

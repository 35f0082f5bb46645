// Which callers this instance has seen recorded today on which iModel: their interaction record is then left out of the
// access read, one key (and one read capacity unit) fewer on every repeat request of the day (docs/decisions.md).

/** Pairs kept at most; past it the memo starts over (forgetting a pair only puts its key back in the read). */
export const RECORDED_TODAY_MAX = 10_000;

export interface RecordedToday {
  /** The pair's interaction record is known to carry `day` (UTC, YYYY-MM-DD). */
  has(imodelId: string, userId: string, day: string): boolean;
  /** The pair's record carries `day`: it was read so, or this instance wrote it. */
  add(imodelId: string, userId: string, day: string): void;
}

/**
 * Safe because an interaction record is never removed while its iModel exists (only the iModel's purge removes it,
 * and a purged iModel answers 404 before its record matters) and a record's day only moves forward; the memo holds
 * one day, so it forgets everything when the day changes (also when the local clock is moved back).
 */
export function recordedToday(max = RECORDED_TODAY_MAX): RecordedToday {
  let current = "";
  const pairs = new Set<string>();
  // Ids and user ids refuse control characters at the edge, so NUL cannot occur in either.
  const pair = (imodelId: string, userId: string) => `${imodelId}\u0000${userId}`;
  return {
    has: (imodelId, userId, day) => day === current && pairs.has(pair(imodelId, userId)),
    add(imodelId, userId, day) {
      if (day !== current || pairs.size >= max) {
        pairs.clear();
        current = day;
      }
      pairs.add(pair(imodelId, userId));
    },
  };
}

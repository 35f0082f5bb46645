// The owner's synchronization token (seed sync-connection-ownership.txt, "Token expiration"): 30 days, renewed in its last 10 on a visit.
export const TOKEN_LIFETIME_DAYS = 30;
export const RENEWAL_WINDOW_DAYS = 10;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface SyncToken {
  userId: string;
  issuedAt: string;
  expiresAt: string;
}

export type TokenStatus = "valid" | "expired" | "unknown";

/** Expiry is judged at the moment of use, never left to a TTL that deletes days late. */
export function tokenStatus(token: SyncToken | undefined, now: Date): TokenStatus {
  if (!token) return "unknown";
  return Date.parse(token.expiresAt) > now.getTime() ? "valid" : "expired";
}

export type VisitOutcome = "issued" | "renewed" | "unchanged";

/**
 * What a visit to the synchronization portal (or a manual run by the owner) does to the token:
 * an unknown or expired token is issued anew, a valid one in its last 10 days is renewed to 30
 * days from now, otherwise nothing changes.
 */
export function visit(token: SyncToken | undefined, userId: string, now: Date): { token: SyncToken; outcome: VisitOutcome } {
  const fresh = { userId, issuedAt: now.toISOString(), expiresAt: new Date(now.getTime() + TOKEN_LIFETIME_DAYS * DAY_MS).toISOString() };
  if (tokenStatus(token, now) !== "valid") return { token: fresh, outcome: "issued" };
  const remaining = Date.parse(token!.expiresAt) - now.getTime();
  if (remaining <= RENEWAL_WINDOW_DAYS * DAY_MS) return { token: { ...token!, expiresAt: fresh.expiresAt }, outcome: "renewed" };
  return { token: token!, outcome: "unchanged" };
}

/** The moments before expiry at which the owner is warned (configurable, default 7 and 1 days). */
export function warningTimes(token: SyncToken, warningDays: readonly number[]): { days: number; at: Date }[] {
  const expiry = Date.parse(token.expiresAt);
  return [...warningDays].sort((a, b) => b - a).map((days) => ({ days, at: new Date(expiry - days * DAY_MS) }));
}

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
export function visit(
  token: SyncToken | undefined,
  userId: string,
  now: Date,
): { token: SyncToken; outcome: VisitOutcome } {
  const fresh = {
    userId,
    issuedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + TOKEN_LIFETIME_DAYS * DAY_MS).toISOString(),
  };
  if (tokenStatus(token, now) !== "valid") return { token: fresh, outcome: "issued" };
  const remaining = Date.parse(token!.expiresAt) - now.getTime();
  if (remaining <= RENEWAL_WINDOW_DAYS * DAY_MS)
    return { token: { ...token!, expiresAt: fresh.expiresAt }, outcome: "renewed" };
  return { token: token!, outcome: "unchanged" };
}

/** The moments before expiry at which the owner is warned (configurable, default 7 and 1 days). */
export function warningTimes(token: SyncToken, warningDays: readonly number[]): { days: number; at: Date }[] {
  const expiry = Date.parse(token.expiresAt);
  return [...warningDays].sort((a, b) => b - a).map((days) => ({ days, at: new Date(expiry - days * DAY_MS) }));
}

export type TokenEvent = { kind: "warning"; daysLeft: number; at: Date } | { kind: "expired"; at: Date };

/** The warnings and the expiry of a token, in time order. */
export function tokenEvents(token: SyncToken, warningDays: readonly number[]): TokenEvent[] {
  const warnings: TokenEvent[] = warningTimes(token, warningDays).map((w) => ({
    kind: "warning",
    daysLeft: w.days,
    at: w.at,
  }));
  return [...warnings, { kind: "expired", at: new Date(token.expiresAt) }];
}

/** The first event still ahead of `after`, or undefined once the token has expired. */
export function nextTokenEvent(token: SyncToken, warningDays: readonly number[], after: Date): TokenEvent | undefined {
  return tokenEvents(token, warningDays).find((e) => e.at.getTime() > after.getTime());
}

/**
 * The event to announce when the trigger reaches a token at `now`: the latest one already passed.
 * A trigger that was late announces only the newest news (no warning after the expiry notice).
 */
export function eventDue(token: SyncToken, warningDays: readonly number[], now: Date): TokenEvent | undefined {
  return tokenEvents(token, warningDays)
    .filter((e) => e.at.getTime() <= now.getTime())
    .at(-1);
}

/** The facts that identify one announcement: the same token, expiry and event are announced once. */
export const tokenEventFacts = (userId: string, token: SyncToken, event: TokenEvent): string[] => [
  "token",
  userId,
  token.expiresAt,
  event.kind === "expired" ? "expired" : `warning-${event.daysLeft}`,
];

/** What the service keeps per user for synchronization: the token (its secret never leaves the service) and how many scheduled connections they own. */
export interface SyncOwner {
  userId: string;
  email?: string;
  name?: string;
  token?: SyncToken & { secret: string };
  scheduledConnections: number;
  /** When the trigger next has news about the token (a warning or the expiry). */
  nextEventAt?: string;
  version: number;
}

/**
 * Who hears about their token (SPEC section 3): only owners of at least one scheduled connection,
 * whose runs a lapsed token would stop, and only at an address the service knows.
 */
export const hearsAboutToken = (owner: Pick<SyncOwner, "scheduledConnections" | "email">): boolean =>
  owner.scheduledConnections > 0 && !!owner.email;

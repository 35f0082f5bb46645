// Organisation roles of the developer portal (seed developer-portal-roles.txt) and the sign-in rule for role changes.

export const roles = ["SubscriptionManager", "ApplicationManager", "Developer"] as const;
export type Role = (typeof roles)[number];

/** A role a member held from a moment on; `role: null` is a member with no role (documentation only). */
export interface RoleSince {
  role: Role | null;
  from: string; // ISO instant
}

/** How many past roles a member record keeps: enough for any token still valid when the next change lands. */
export const ROLE_HISTORY_LIMIT = 10;

/**
 * The role a request is judged with. A role change applies from the member's next sign-in, so a
 * token issued before the change keeps the role that was current when it was issued.
 */
export function roleAt(history: readonly RoleSince[], signedInAt: Date): Role | null {
  let current: RoleSince | undefined;
  for (const entry of history) {
    // Tokens carry whole seconds: a sign-in in the same second as the change already sees it.
    if (Math.floor(Date.parse(entry.from) / 1000) * 1000 <= signedInAt.getTime()) current = entry;
  }
  // A token older than every entry still belongs to a member: the earliest known role is the best evidence.
  return (current ?? history[0])?.role ?? null;
}

/** Appends a change and keeps the newest entries only. */
export function withRoleChange(history: readonly RoleSince[], role: Role | null, at: Date): RoleSince[] {
  return [...history, { role, from: at.toISOString() }].slice(-ROLE_HISTORY_LIMIT);
}

/** Administrators and Co-Administrators are always Subscription Managers. */
export function roleFor(flags: { administrator: boolean; coAdministrator: boolean }, asked: Role | null): Role | null {
  return flags.administrator || flags.coAdministrator ? "SubscriptionManager" : asked;
}

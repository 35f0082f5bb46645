// Organisation roles of the developer portal (seed developer-portal-roles.txt), their order, and the rule that times role changes.

export const roles = ["SubscriptionManager", "ApplicationManager", "Developer"] as const;
export type Role = (typeof roles)[number];

/**
 * From least to most authority; `null` (no role: documentation only) is below every role. Each role
 * may do everything the one before it may (the portal matrix, checked by a unit test), so "the lower
 * of two roles" is always the one that allows less.
 */
export const roleOrder: readonly (Role | null)[] = [null, "Developer", "ApplicationManager", "SubscriptionManager"];

export const roleRank = (role: Role | null): number => roleOrder.indexOf(role);

/** The role that allows less of the two. */
export const lowerRole = (a: Role | null, b: Role | null): Role | null => (roleRank(a) <= roleRank(b) ? a : b);

/** A role a member held from a moment on; `role: null` is a member with no role (documentation only). */
export interface RoleSince {
  role: Role | null;
  from: string; // ISO instant
}

/**
 * The role that was current when a token was issued: a promotion applies from the member's next
 * sign-in, so a token issued before it keeps the earlier role. Only half of the rule: see `roleInForce`.
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

/**
 * The role a request is judged with: the lower of the role when its token was issued (`iat`) and the
 * stored role now. A promotion waits for a token issued after it; a demotion or a cleared role holds
 * from the very next request, whatever the token says (SPEC section 1).
 */
export function roleInForce(
  member: { role: Role | null; roleHistory: readonly RoleSince[] },
  issuedAt: Date,
): Role | null {
  return lowerRole(roleAt(member.roleHistory, issuedAt), member.role);
}

/**
 * Whether a change a member makes to their own membership raises it: a higher role, or a
 * Co-Administrator flag they did not hold (it keeps them a Subscription Manager against demotion).
 * Nobody raises their own standing; lowering it is allowed.
 */
export function raisesOwnStanding(
  before: { role: Role | null; coAdministrator: boolean },
  after: { role: Role | null; coAdministrator: boolean },
): boolean {
  return roleRank(after.role) > roleRank(before.role) || (after.coAdministrator && !before.coAdministrator);
}

/** Administrators and Co-Administrators are always Subscription Managers. */
export function roleFor(flags: { administrator: boolean; coAdministrator: boolean }, asked: Role | null): Role | null {
  return flags.administrator || flags.coAdministrator ? "SubscriptionManager" : asked;
}

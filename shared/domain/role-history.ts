// The bounded role history of a member: each role change is appended, and past the cap the oldest entries are collapsed so that no token is judged with more than it held.
import { lowerRole, type Role, type RoleSince } from "./roles";

/** How many entries a member item keeps: the history lives inside the member item, which every request reads. */
export const ROLE_HISTORY_CAP = 10;

/**
 * Appends a change; past `ROLE_HISTORY_CAP` entries, the two oldest become one that starts when the
 * first did and holds the lower of their roles. A token issued in that span is then judged with a role
 * it held or a lower one: collapsing can delay a promotion for an old token, never extend authority
 * (the sign-in rule: a promotion waits for the next sign-in, a demotion never waits). The newest entry,
 * the role in force, is never collapsed.
 */
export function withRoleChange(history: readonly RoleSince[], role: Role | null, at: Date): RoleSince[] {
  let entries: RoleSince[] = [...history, { role, from: at.toISOString() }];
  while (entries.length > ROLE_HISTORY_CAP) {
    const [first, second, ...rest] = entries;
    entries = [{ role: lowerRole(first!.role, second!.role), from: first!.from }, ...rest];
  }
  return entries;
}

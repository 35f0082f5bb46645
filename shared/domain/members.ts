// Rules of organisation membership: role changes, the administrator flags and what a change does to the Subscription Manager count.
import { administratorIsSubscriptionManager, forbidden, selfRemoval } from "../errors";
import type { Member } from "./organization";
import { withRoleChange } from "./role-history";
import { raisesOwnStanding, type Role } from "./roles";

const isManager = (m: Pick<Member, "role">) => m.role === "SubscriptionManager";

export interface MemberChange {
  after: Member;
  /** +1, 0 or -1: how the change moves the organisation's Subscription Manager count. */
  managerDelta: number;
  changed: boolean;
}

/** Gives a member a role (and optionally sets the Co-Administrator flag); a promotion applies from their next sign-in, a demotion at once. */
export function changeMember(
  before: Member,
  change: { role?: Role | null; coAdministrator?: boolean },
  at: Date,
): MemberChange {
  const coAdministrator = change.coAdministrator ?? before.coAdministrator;
  let role = change.role === undefined ? before.role : change.role;
  if (change.role === undefined && coAdministrator && !before.coAdministrator) role = "SubscriptionManager";
  if ((before.administrator || coAdministrator) && role !== "SubscriptionManager") {
    throw administratorIsSubscriptionManager(before.userId, before.administrator);
  }
  const changed = role !== before.role || coAdministrator !== before.coAdministrator;
  if (!changed) return { after: before, managerDelta: 0, changed };
  const after: Member = {
    ...before,
    role,
    coAdministrator,
    roleHistory: role !== before.role ? withRoleChange(before.roleHistory, role, at) : before.roleHistory,
    version: before.version + 1,
  };
  return { after, managerDelta: Number(isManager(after)) - Number(isManager(before)), changed };
}

/** Nobody removes themselves: the seed asks them to hand the role on and be removed by someone else. */
export function checkRemoval(actorId: string, target: Member): { managerDelta: number } {
  if (actorId === target.userId) {
    throw selfRemoval();
  }
  return { managerDelta: isManager(target) ? -1 : 0 };
}

/** Nobody raises their own role or gives themselves the Co-Administrator flag: 403, whoever they are. */
export function checkOwnChange(actorId: string, before: Member, after: Member): void {
  if (actorId === before.userId && raisesOwnStanding(before, after)) {
    throw forbidden("Nobody raises their own role: ask another Subscription Manager");
  }
}

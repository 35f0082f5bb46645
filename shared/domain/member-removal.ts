// Removing members, one or many at once: the same rules for each, all or nothing, and how many fit in one request.
import { checkRemoval } from "./members";
import type { Member } from "./organization";

/**
 * Members one `members:remove` request removes at most. Everything goes in one transaction of at most 100
 * actions: per member its Delete, up to two invitation Deletes (the address it was added with and its
 * verified one) and its teams item, so 20 take 80, plus the actor's check and the manager count; the 18
 * left take team memberships, and teams that do not fit are left one by one after the commit (as for a
 * single removal with more than 31 teams).
 */
export const MAX_MEMBERS_REMOVED_AT_ONCE = 20;

/**
 * Checks each removal as a single one would be (nobody removes themselves: 409 `SelfRemoval`, nobody is
 * removed) and answers how the Subscription Manager count moves; the store refuses a count below one.
 */
export function planRemoval(actorId: string, targets: readonly Member[]): { managerDelta: number } {
  let managerDelta = 0;
  for (const target of targets) managerDelta += checkRemoval(actorId, target).managerDelta;
  return { managerDelta };
}

// Removing members from an organisation, one or many in one request: all or nothing, with the rules of a single removal.
import type { Clock } from "../clock";
import type { Caller } from "../domain/caller";
import type { TeamsOfUser } from "../domain/itwin";
import { planRemoval } from "../domain/member-removal";
import type { Member } from "../domain/organization";
import type { PortalAction } from "../domain/portal";
import { notFound } from "../errors";
import { logger } from "../log";
import type { MemberRemovalStore } from "../store/member-removal";
import type { OrganizationStore } from "../store/organizations";
import { authorize, membershipOf } from "./membership";
import { retryingConcurrentChanges } from "./retry";

export function memberRemovalUseCases(deps: { orgs: OrganizationStore; removal: MemberRemovalStore; clock: Clock }) {
  const { orgs, removal, clock } = deps;

  return {
    /**
     * Removes every listed member in one transaction, or nobody: an unknown member is 404 (naming them), the
     * caller among them 409 `SelfRemoval`, no Subscription Manager left 409 `LastSubscriptionManager`.
     * Removal applies at once, to the organisation's iTwins too, and withdraws the members' pending
     * invitations, so none of them re-joins through one. The actor, the members and their teams items are
     * read in one request; the transaction is conditioned on all of them as read (a change in between
     * re-reads and retries). Teams that do not fit the transaction are left one by one after it.
     */
    async remove(caller: Caller, orgId: string, userIds: string[], action: PortalAction = "removeMembers") {
      const finish = await retryingConcurrentChanges(async () => {
        const others = userIds.filter((id) => id !== caller.userId);
        const membership = await membershipOf<[Member[], (TeamsOfUser | undefined)[]]>(orgs, caller, orgId, {
          also: [orgs.members(orgId, others), removal.teamsOf(userIds, orgId)],
        });
        authorize(membership, action);
        const [read, teams] = membership.also;
        const targets = userIds.map((id) =>
          id === caller.userId ? membership.member : read.find((m) => m.userId === id),
        );
        const missing = userIds.filter((_, i) => !targets[i]);
        if (missing.length) throw notFound("member", missing.join(", "));
        const members = targets as Member[];
        const { managerDelta } = planRemoval(membership.member.userId, members);
        const leaving = members.map((member, i) => ({ member, teams: teams[i] }));
        return removal.remove(orgId, membership.member, leaving, managerDelta, {
          userId: caller.userId,
          at: clock.now().toISOString(),
        });
      });
      try {
        await finish();
      } catch (error) {
        // The removal committed and already ends every access (each check reads the membership, and team
        // items older than a later membership never count again): answering an error would only invite a
        // retry that finds the members gone. What is left of their team items is inert.
        logger.warn("teams not all left after a removal", { orgId, userIds, error: error as Error });
      }
    },
  };
}

// Removing members from an organisation, one or many in one request: all or nothing, with the rules of a single removal.
import type { Clock } from "../clock";
import type { Caller } from "../domain/caller";
import type { TeamsOfUser } from "../domain/itwin";
import { planRemoval } from "../domain/member-removal";
import type { Member } from "../domain/organization";
import type { PortalAction } from "../domain/portal";
import { notFound } from "../errors";
import { dispatch, type JobHandler, type Jobs } from "../jobs";
import type { MemberRemovalStore } from "../store/member-removal";
import type { OrganizationStore } from "../store/organizations";
import { authorize, membershipOf } from "./membership";
import { retryingConcurrentChanges } from "./retry";

/** The worker's part: leaving the teams a removal's transaction could not hold. */
export function memberRemovalJobs(removal: Pick<MemberRemovalStore, "finishLeaving">): JobHandler {
  return async (job) => {
    if (job.kind !== "leaveTeams") throw new Error(`member removal does not do ${job.kind} jobs`);
    for (const userId of job.userIds) await removal.finishLeaving(job.orgId, userId, job.removedAt);
  };
}

export function memberRemovalUseCases(deps: {
  orgs: OrganizationStore;
  removal: MemberRemovalStore;
  jobs: Jobs;
  clock: Clock;
}) {
  const { orgs, removal, clock } = deps;

  return {
    /**
     * Removes every listed member in one transaction, or nobody: an unknown member is 404 (naming them), the
     * caller among them 409 `SelfRemoval`, no Subscription Manager left 409 `LastSubscriptionManager`.
     * Removal applies at once, to the organisation's iTwins too, and withdraws the members' pending
     * invitations, so none of them re-joins through one. The actor, the members and their teams items are
     * read in one request; the transaction is conditioned on all of them as read (a change in between
     * re-reads and retries). Teams that do not fit the transaction are left one by one after it, by a job of the
     * worker's (retried on failure): until then their leftover team items count for nothing, since every check reads
     * the membership.
     */
    async remove(caller: Caller, orgId: string, userIds: string[], action: PortalAction = "removeMembers") {
      const { unfinished, removedAt } = await retryingConcurrentChanges(async () => {
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
        // The attempt's own instant: every team item it saw was added before it.
        const at = clock.now().toISOString();
        return {
          unfinished: await removal.remove(orgId, membership.member, leaving, managerDelta, {
            userId: caller.userId,
            at,
          }),
          removedAt: at,
        };
      });
      // The removal committed and already ends every access: a failure here is logged by `dispatch`, never answered
      // (a retry would find the members gone), and the worker's retries of the job go on with it.
      if (unfinished.length)
        await dispatch(
          deps.jobs,
          { kind: "leaveTeams", orgId, userIds: unfinished, removedAt },
          memberRemovalJobs(removal),
        );
    },
  };
}

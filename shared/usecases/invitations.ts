// Use cases of invitations by e-mail: Subscription Managers list the open ones and withdraw one.
import type { Clock } from "../clock";
import { isOpen } from "../domain/invitations";
import type { Invitation } from "../domain/organization";
import { notFound } from "../errors";
import type { Caller } from "../domain/caller";
import type { InvitationStore } from "../store/invitations";
import type { OrganizationStore } from "../store/organizations";
import type { Page } from "../store/page";
import { authorize, membershipOf } from "./membership";
import { invitationView, type InvitationView } from "./organizations";
import { retryingConcurrentChanges } from "./retry";
import { readWhileChecking } from "./together";

export function invitationUseCases(deps: { orgs: OrganizationStore; invitations: InvitationStore; clock: Clock }) {
  const { orgs, invitations, clock } = deps;

  return {
    /**
     * A page of the organisation's open invitations, read while the caller's authority is checked (one round
     * trip). Expired ones are left out (DynamoDB's TTL removes them later), so a page may hold fewer than
     * `limit`; only the absence of `next` says the list ended.
     */
    async list(caller: Caller, orgId: string, page: { limit: number; cursor?: string }): Promise<Page<InvitationView>> {
      const found = await readWhileChecking(
        async () => authorize(await membershipOf(orgs, caller, orgId), "listInvitations"),
        () => invitations.list(orgId, page),
      );
      const now = clock.now();
      return {
        items: found.items.filter((i) => isOpen(i, now)).map(invitationView),
        ...(found.next ? { next: found.next } : {}),
      };
    },

    /** Withdraws the open invitation to `email` (any case): 404 when there is none, or it expired. */
    async withdraw(caller: Caller, orgId: string, email: string): Promise<void> {
      await retryingConcurrentChanges(async () => {
        const membership = await membershipOf<[Invitation | undefined]>(orgs, caller, orgId, {
          also: [invitations.invitation(orgId, email)],
        });
        authorize(membership, "withdrawInvitation");
        const [invitation] = membership.also;
        if (!invitation || !isOpen(invitation, clock.now())) throw notFound("invitation", email.toLowerCase());
        await invitations.withdraw(membership.member, invitation, {
          userId: caller.userId,
          at: clock.now().toISOString(),
        });
      });
    },
  };
}

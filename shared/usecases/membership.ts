// The caller's membership of an organisation, read once per request and judged with the lower of the token's role and the stored one.
import { clock } from "../clock";
import { isOpen } from "../domain/invitations";
import { summaryOf, type Invitation, type Member, type Organization } from "../domain/organization";
import { decide, refusal, type PortalAction } from "../domain/portal";
import { roleInForce, type Role } from "../domain/roles";
import { forbidden, notFound } from "../errors";
import type { Caller } from "../domain/caller";
import { logger } from "../log";
import type { OrganizationStore } from "../store/organizations";
import { untilWon } from "../store/retry";
import type { Readers } from "../store/together";

export interface Membership<T extends readonly unknown[] = unknown[]> {
  org: Organization;
  member: Member;
  /** The role the caller's request is judged with: the lower of the role when the token was issued and the stored one. */
  role: Role | null;
  /** What the readers of `also` answered, read in the same request. */
  also: T;
}

/**
 * The caller's membership; 404 for anyone outside the organisation, so its ids reveal nothing. A
 * caller invited by their verified e-mail address becomes a member on this first request (the
 * invitation is read in the same request as the membership, so members pay nothing for it).
 */
export async function membershipOf<T extends readonly unknown[] = []>(
  store: OrganizationStore,
  caller: Caller,
  orgId: string,
  options: { now?: Date; also?: Readers<T> } = {},
): Promise<Membership<T>> {
  const now = options.now ?? clock.now();
  // Only an address the identity provider verified matches an invitation (Caller.email is nothing else).
  const email = caller.email;
  // An invitation accepted or withdrawn by someone else at the same moment: read again.
  const found = await untilWon<Membership<T> | null>(
    async () => {
      const { org, member, invitation, also } = await store.getWithMember<T>(orgId, caller.userId, email, options.also);
      if (!org) return null;
      if (member) {
        await recordVerifiedEmail(store, member, caller);
        return { org, member, role: roleInForce(member, caller.signedInAt), also };
      }
      // An expired invitation is not taken (DynamoDB's TTL removes it later, within days).
      if (!invitation || !isOpen(invitation, now)) return null;
      const joined = memberFromInvitation(invitation, org, caller, now);
      if (await store.acceptInvitation(invitation, joined)) return { org, member: joined, role: joined.role, also };
      return undefined;
    },
    { tries: 3 },
    () => null,
  );
  if (found) return found;
  throw notFound("organization", orgId);
}

/**
 * Keeps the member's mail address: the verified one their own token carried on this request. One
 * write when it changed, none otherwise (the member item was read anyway); a token without a verified
 * address changes nothing, and neither does a token issued before the one whose address is recorded
 * (an old token still in use elsewhere cannot bring an old address back; the store's condition
 * decides races). Mail is never sent to an address someone else typed (SPEC section 1).
 */
export async function recordVerifiedEmail(
  store: Pick<OrganizationStore, "recordVerifiedEmail">,
  member: Member,
  caller: Caller,
): Promise<void> {
  if (!caller.email || member.verifiedEmail === caller.email) return;
  if (member.verifiedEmailIssuedAt && member.verifiedEmailIssuedAt > caller.signedInAt.toISOString()) return;
  try {
    await store.recordVerifiedEmail(member.orgId, member.userId, caller.email, caller.signedInAt);
  } catch (error) {
    // The request's own work does not depend on it; the next request records it again.
    logger.warn("verified address not recorded", { orgId: member.orgId, userId: member.userId, error: error as Error });
  }
}

function memberFromInvitation(invitation: Invitation, org: Organization, caller: Caller, now: Date): Member {
  const role = invitation.coAdministrator ? "SubscriptionManager" : invitation.role;
  return {
    organization: summaryOf(org),
    orgId: invitation.orgId,
    userId: caller.userId,
    email: caller.email ?? invitation.email,
    // Accepted only with a verified address: it is where their mail goes.
    ...(caller.email ? { verifiedEmail: caller.email, verifiedEmailIssuedAt: caller.signedInAt.toISOString() } : {}),
    name: caller.name ?? invitation.name,
    role,
    administrator: false,
    coAdministrator: invitation.coAdministrator,
    // The invited role holds from the start, like a member added by user id.
    roleHistory: [{ role, from: new Date(0).toISOString() }],
    addedAt: now.toISOString(),
    version: 1,
  };
}

/**
 * Applies the portal matrix: throws 403 or 404 as it decides. `what` names the resource for a 404.
 */
export function authorize(
  membership: Pick<Membership, "role">,
  action: PortalAction,
  relation: { owner?: boolean; participant?: boolean } = {},
  what: { kind: string; id: string } = { kind: "resource", id: "" },
): void {
  const decision = decide(action, membership.role, relation);
  if (decision === "allow") return;
  if (decision === "hide") throw notFound(what.kind, what.id);
  throw forbidden(refusal(action, membership.role));
}

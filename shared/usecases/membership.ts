// The caller's membership of an organisation, read once per request and judged with the sign-in rule.
import type { Member, Organization } from "../domain/organization";
import { decide, type PortalAction } from "../domain/portal";
import { roleAt, type Role } from "../domain/roles";
import { forbidden, notFound } from "../errors";
import type { Caller } from "../http/caller";
import type { OrganizationStore } from "../store/organizations";

export interface Membership {
  org: Organization;
  member: Member;
  /** The role the caller's token is judged with (the role when the token was issued). */
  role: Role | null;
}

/** The caller's membership; 404 for anyone outside the organisation, so its ids reveal nothing. */
export async function membershipOf(store: OrganizationStore, caller: Caller, orgId: string): Promise<Membership> {
  const { org, member } = await store.getWithMember(orgId, caller.userId);
  if (!org || !member) throw notFound("organization", orgId);
  return { org, member, role: roleAt(member.roleHistory, caller.signedInAt) };
}

const forbiddenMessage: Partial<Record<PortalAction, string>> = {
  addMember: "Only a Subscription Manager adds members",
  changeRole: "Only a Subscription Manager assigns roles",
  removeMember: "Only a Subscription Manager removes members",
  readSubscription: "Only a Subscription Manager reads the subscription",
  changeSubscription: "Only a Subscription Manager changes the subscription",
};

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
  if (!membership.role) throw forbidden("Members without a role may only read the documentation; ask a Subscription Manager for a role");
  throw forbidden(forbiddenMessage[action] ?? `Your role (${membership.role}) does not allow this`);
}

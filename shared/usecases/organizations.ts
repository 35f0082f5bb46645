// Use cases of organisations: create one (the creator becomes its Administrator) and read it.
import type { Clock } from "../clock";
import type { Member, Organization } from "../domain/organization";
import { notFound } from "../errors";
import type { Caller } from "../http/caller";
import { idFor } from "../ids";
import type { OrganizationStore } from "../store/organizations";
import { authorize, membershipOf } from "./membership";

export interface OrganizationView {
  id: string;
  name: string;
  administratorId: string;
  createdAt: string;
  /** The role the caller's current token is judged with. */
  yourRole: Member["role"];
}

export function organizationUseCases(deps: { store: OrganizationStore; clock: Clock }) {
  const view = (org: Organization, role: Member["role"]): OrganizationView => ({
    id: org.id,
    name: org.name,
    administratorId: org.administratorId,
    createdAt: org.createdAt,
    yourRole: role,
  });

  return {
    async create(caller: Caller, input: { name: string }, idempotencyKey?: string) {
      const now = deps.clock.now().toISOString();
      const id = idFor("org", idempotencyKey, caller.userId, "organization");
      const org: Organization = {
        id,
        name: input.name,
        administratorId: caller.userId,
        createdAt: now,
        managerCount: 1,
        subscription: { status: "active", credits: 0, updatedAt: now },
      };
      const administrator: Member = {
        orgId: id,
        userId: caller.userId,
        email: caller.email ?? "",
        name: caller.name,
        role: "SubscriptionManager",
        administrator: true,
        coAdministrator: false,
        // The creator is a Subscription Manager with the token that created the organisation.
        roleHistory: [{ role: "SubscriptionManager", from: new Date(0).toISOString() }],
        addedAt: now,
      };
      const result = await deps.store.create(org, administrator);
      if (!result.created && result.org.administratorId !== caller.userId) throw notFound("organization", id);
      return { organization: view(result.org, "SubscriptionManager"), created: result.created };
    },

    async get(caller: Caller, orgId: string) {
      const membership = await membershipOf(deps.store, caller, orgId);
      authorize(membership, "readOrganization");
      return view(membership.org, membership.role);
    },
  };
}

// Use cases of organisations: create and read one, manage its members and roles, read and change its subscription.
import type { Clock } from "../clock";
import { changeMember, checkOwnChange } from "../domain/members";
import { expiresAt, invitationExpiry } from "../domain/invitations";
import type { Idempotency } from "../domain/idempotency";
import { summaryOf, type Invitation, type Member, type Organization, type Subscription } from "../domain/organization";
import type { Role } from "../domain/roles";
import { notFound } from "../errors";
import type { Caller } from "../domain/caller";
import { idFor } from "../ids";
import type { MemberOp, OrganizationStore } from "../store/organizations";
import type { Page } from "../store/page";
import type { Readers } from "../store/together";
import { authorize, membershipOf } from "./membership";
import { retryingConcurrentChanges } from "./retry";
import { readWhileChecking } from "./together";

export interface OrganizationView {
  id: string;
  name: string;
  administratorId: string;
  createdAt: string;
  /** The role the caller's current token is judged with. */
  yourRole: Member["role"];
}

/** A member as answered: without the role history and version that only the rules read. */
export type MemberView = Omit<Member, "orgId" | "roleHistory" | "version">;

export const memberView = (m: Member): MemberView => ({
  userId: m.userId,
  email: m.email,
  ...(m.name ? { name: m.name } : {}),
  role: m.role,
  administrator: m.administrator,
  coAdministrator: m.coAdministrator,
  addedAt: m.addedAt,
});

/** An invitation as answered: the stored one, marked so a client tells it from a member. */
export type InvitationView = { status: "invited"; expiresAt: string } & Omit<Invitation, "orgId">;

export const invitationView = (i: Invitation): InvitationView => ({
  status: "invited",
  email: i.email,
  ...(i.name ? { name: i.name } : {}),
  role: i.role,
  coAdministrator: i.coAdministrator,
  invitedBy: i.invitedBy,
  invitedAt: i.invitedAt,
  expiresAt: expiresAt(i).toISOString(),
});

const organizationView = (org: Organization, role: Member["role"]): OrganizationView => ({
  id: org.id,
  name: org.name,
  administratorId: org.administratorId,
  createdAt: org.createdAt,
  yourRole: role,
});

export function organizationUseCases(deps: {
  store: OrganizationStore;
  clock: Clock;
  /** How long an invitation by e-mail stays open (`INVITATION_DAYS`). */
  invitationDays: number;
}) {
  const { store, clock } = deps;

  /**
   * The actor's membership, judged for `action`, and the members acted upon, all in one request;
   * the store then conditions the write on these reads. Unknown targets answer 404 after the actor
   * was authorized, so they reveal nothing to those who may not act. `extra` keys are read in the
   * same request (`also` answers them).
   */
  async function actingAs<T extends readonly unknown[] = []>(
    caller: Caller,
    orgId: string,
    action: Parameters<typeof authorize>[1],
    targetIds: string[] = [],
    extra: Readers<T> = [] as unknown as Readers<T>,
  ) {
    const others = targetIds.filter((id) => id !== caller.userId);
    const membership = await membershipOf<[Member[], ...T]>(store, caller, orgId, {
      also: [store.members(orgId, others), ...extra] as unknown as Readers<[Member[], ...T]>,
    });
    authorize(membership, action);
    const [read, ...also] = membership.also;
    const targets = targetIds.map((id) =>
      id === caller.userId ? membership.member : read.find((m) => m.userId === id),
    );
    const missing = targetIds.filter((_, i) => !targets[i]);
    if (missing.length) throw notFound("member", missing.join(", "));
    return { ...membership, also: also as unknown as T, targets: targets as Member[] };
  }

  return {
    async create(caller: Caller, input: { name: string }, idempotencyKey?: string) {
      const now = clock.now().toISOString();
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
        ...(caller.email
          ? { verifiedEmail: caller.email, verifiedEmailIssuedAt: caller.signedInAt.toISOString() }
          : {}),
        name: caller.name,
        role: "SubscriptionManager",
        administrator: true,
        coAdministrator: false,
        // The creator is a Subscription Manager with the very token that created the organisation.
        roleHistory: [{ role: "SubscriptionManager", from: new Date(0).toISOString() }],
        addedAt: now,
        version: 1,
        organization: summaryOf(org),
      };
      const result = await store.create(org, administrator);
      if (!result.created && result.org.administratorId !== caller.userId) throw notFound("organization", id);
      return { organization: organizationView(result.org, "SubscriptionManager"), created: result.created };
    },

    async get(caller: Caller, orgId: string) {
      const membership = await membershipOf(store, caller, orgId);
      authorize(membership, "readOrganization");
      return organizationView(membership.org, membership.role);
    },

    async listMembers(
      caller: Caller,
      orgId: string,
      page: { limit: number; cursor?: string },
    ): Promise<Page<MemberView>> {
      const found = await readWhileChecking(
        () => actingAs(caller, orgId, "listMembers"),
        () => store.listMembers(orgId, page.limit, page.cursor),
      );
      return { items: found.items.map(memberView), ...(found.next ? { next: found.next } : {}) };
    },

    /**
     * Adds a member by user id, or invites one by e-mail alone (they join on their first request with that verified
     * address). With `once` (an Idempotency-Key), the answer's receipt is written in the same transaction.
     */
    async addMember(
      caller: Caller,
      orgId: string,
      input: { userId?: string; email: string; name?: string; role?: Role | null; coAdministrator?: boolean },
      once?: Idempotency,
    ): Promise<MemberView | InvitationView> {
      const { member: actor, org } = await actingAs(caller, orgId, "addMember");
      const now = clock.now();
      if (!input.userId) {
        const invitation: Invitation = {
          orgId,
          email: input.email.toLowerCase(),
          ...(input.name ? { name: input.name } : {}),
          role: input.coAdministrator ? "SubscriptionManager" : (input.role ?? null),
          coAdministrator: input.coAdministrator ?? false,
          invitedBy: caller.userId,
          invitedAt: now.toISOString(),
          expiresAt: invitationExpiry(now, deps.invitationDays).toISOString(),
        };
        const answer = invitationView(invitation);
        await store.invite(actor, invitation, once?.receipt(answer));
        return answer;
      }
      const userId = input.userId;
      const role = input.coAdministrator ? "SubscriptionManager" : (input.role ?? null);
      const member: Member = {
        orgId,
        userId,
        email: input.email,
        name: input.name,
        role,
        administrator: false,
        coAdministrator: input.coAdministrator ?? false,
        // A new member's role holds at once; only later changes wait for the next sign-in.
        roleHistory: [{ role, from: now.toISOString() }],
        addedAt: now.toISOString(),
        version: 1,
        organization: summaryOf(org),
      };
      const answer = memberView(member);
      const managers = role === "SubscriptionManager" ? 1 : 0;
      const by = { userId: caller.userId, at: member.addedAt };
      await store.writeMembers(orgId, actor, [{ kind: "add", member }], managers, by, once?.receipt(answer));
      return answer;
    },

    async changeMember(
      caller: Caller,
      orgId: string,
      userId: string,
      change: { role?: Role | null; coAdministrator?: boolean },
    ) {
      return retryingConcurrentChanges(async () => {
        const { member: actor, targets } = await actingAs(caller, orgId, "changeRole", [userId]);
        const before = targets[0]!;
        const now = clock.now();
        const planned = changeMember(before, change, now);
        checkOwnChange(actor.userId, before, planned.after);
        if (planned.changed)
          await store.writeMembers(
            orgId,
            actor,
            [{ kind: "update", before, after: planned.after }],
            planned.managerDelta,
            { userId: caller.userId, at: now.toISOString() },
          );
        return memberView(planned.after);
      });
    },

    /** Gives many members one role in one transaction: all of them change, or none. */
    async assignRole(caller: Caller, orgId: string, userIds: string[], role: Role | null) {
      return retryingConcurrentChanges(async () => {
        const { member: actor, targets: found } = await actingAs(caller, orgId, "changeRole", userIds);
        const now = clock.now();
        const plans = found.map((before) => ({ before, ...changeMember(before, { role }, now) }));
        for (const plan of plans) checkOwnChange(actor.userId, plan.before, plan.after);
        const ops: MemberOp[] = plans
          .filter((p) => p.changed)
          .map((p) => ({ kind: "update", before: p.before, after: p.after }));
        const delta = plans.reduce((sum, p) => sum + p.managerDelta, 0);
        if (ops.length)
          await store.writeMembers(orgId, actor, ops, delta, { userId: caller.userId, at: now.toISOString() });
        return { items: userIds.map((id) => memberView(plans.find((p) => p.before.userId === id)!.after)) };
      });
    },

    async getSubscription(caller: Caller, orgId: string): Promise<Subscription> {
      const { org } = await actingAs(caller, orgId, "readSubscription");
      return org.subscription;
    },

    async changeSubscription(
      caller: Caller,
      orgId: string,
      change: { addCredits?: number; status?: Subscription["status"] },
    ) {
      return retryingConcurrentChanges(async () => {
        const { member: actor, org } = await actingAs(caller, orgId, "changeSubscription");
        return store.updateSubscription(orgId, actor, org.subscription, change, clock.now());
      });
    },
  };
}

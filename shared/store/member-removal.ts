// The transaction that removes members from an organisation: their member items, their pending invitations and their teams, with the manager count.
import type { TeamsOfUser } from "../domain/itwin";
import { invitationsOf } from "../domain/invitations";
import type { Member } from "../domain/organization";
import type { TransactItem } from "./dynamo";
import type { InvitationStore } from "./invitations";
import type { ItwinStore } from "./itwins";
import { MEMBER_WRITE_OWN_ITEMS, type OrganizationStore } from "./organizations";
import { MAX_TRANSACTION_ITEMS } from "./partition";

export interface Leaving {
  member: Member;
  /** Their teams in the organisation, as read with the membership. */
  teams: TeamsOfUser | undefined;
}

export interface MemberRemovalStore {
  /** The key of a member's teams item, to read it with the membership. */
  teamsKey(userId: string, orgId: string): Record<string, unknown>;
  teamsFromItem(item: Record<string, unknown> | undefined): TeamsOfUser | undefined;
  /**
   * Removes the members in one transaction, conditioned on each as read, the actor unchanged and (Rule: at
   * least one Subscription Manager) the manager count moved by `managerDelta`; it withdraws their pending
   * invitations and takes them out of every team that fits. Throws `LastSubscriptionManager` or
   * `ConcurrentChange`. Answers what is left to do after the commit: the teams that did not fit.
   */
  remove(orgId: string, actor: Member, leaving: Leaving[], managerDelta: number): Promise<() => Promise<void>>;
}

export class DynamoMemberRemovalStore implements MemberRemovalStore {
  constructor(
    private readonly orgs: Pick<OrganizationStore, "writeMembers">,
    private readonly itwins: Pick<ItwinStore, "teamsKey" | "teamsFromItem" | "leaveOrganization">,
    private readonly invitations: Pick<InvitationStore, "withdrawalItems">,
  ) {}

  teamsKey(userId: string, orgId: string) {
    return this.itwins.teamsKey(userId, orgId);
  }

  teamsFromItem(item: Record<string, unknown> | undefined) {
    return this.itwins.teamsFromItem(item);
  }

  async remove(orgId: string, actor: Member, leaving: Leaving[], managerDelta: number) {
    const withdrawals = this.invitations.withdrawalItems(orgId, [
      ...new Set(leaving.flatMap((l) => invitationsOf(l.member))),
    ]);
    // writeMembers' own items: one per member, the actor's check and the count. Each member's teams item
    // (or its condition) is one more; what is left over takes whole sets of team memberships, in order.
    let spare =
      MAX_TRANSACTION_ITEMS - (leaving.length - 1 + MEMBER_WRITE_OWN_ITEMS) - withdrawals.length - leaving.length;
    const extra: TransactItem[] = [...withdrawals];
    const finishes: (() => Promise<void>)[] = [];
    for (const { member, teams } of leaving) {
      const left = this.itwins.leaveOrganization(member.userId, orgId, teams, 1 + Math.max(0, spare));
      spare -= left.items.length - 1;
      extra.push(...left.items);
      finishes.push(left.finish);
    }
    await this.orgs.writeMembers(
      orgId,
      actor,
      leaving.map(({ member }) => ({ kind: "remove", before: member })),
      managerDelta,
      extra,
    );
    return async () => {
      for (const finish of finishes) await finish();
    };
  }
}

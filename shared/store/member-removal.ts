// The transaction that removes members from an organisation: their member items, their pending invitations and their teams, with the manager count.
import type { TeamsOfUser } from "../domain/itwin";
import { invitationsOf } from "../domain/invitations";
import type { Member } from "../domain/organization";
import type { ChangeBy } from "../domain/audit";
import type { TableRef } from "./dynamo";
import { leaveOrganization, leaveTeamsOneByOne, teamsReader } from "./itwin-teams";
import { keys } from "./keys";
import { type DynamoOrganizationStore, MEMBER_WRITE_OWN_ITEMS } from "./organizations";
import { itemReader, readAll, readTogether, type Reader } from "./together";
import { MAX_TRANSACTION_ITEMS, type TransactItem } from "./transact";

export interface Leaving {
  member: Member;
  /** Their teams in the organisation, as read with the membership. */
  teams: TeamsOfUser | undefined;
}

export interface MemberRemovalStore {
  /** The teams items of these users in the organisation, position by position, to read with the membership. */
  teamsOf(userIds: string[], orgId: string): Reader<(TeamsOfUser | undefined)[]>;
  /**
   * Removes the members in one transaction, conditioned on each as read, the actor unchanged and (Rule: at
   * least one Subscription Manager) the manager count moved by `managerDelta`; it withdraws their pending
   * invitations and takes them out of every team that fits. Throws `LastSubscriptionManager` or
   * `ConcurrentChange`. Answers who has teams left to leave after the commit (`finishLeaving`): those that did not fit.
   */
  remove(orgId: string, actor: Member, leaving: Leaving[], managerDelta: number, by: ChangeBy): Promise<string[]>;
  /**
   * Leaves, one by one, the teams a removal at `removedAt` could not fit in its transaction, as the teams item lists
   * them now (so a second run goes on where the first stopped). When the user is a member again, only the earlier
   * membership's team items go.
   */
  finishLeaving(orgId: string, userId: string, removedAt: string): Promise<void>;
}

export class DynamoMemberRemovalStore implements MemberRemovalStore {
  constructor(
    private readonly table: TableRef,
    private readonly orgs: Pick<DynamoOrganizationStore, "writeMembers">,
  ) {}

  teamsOf(userIds: string[], orgId: string) {
    return readAll(userIds.map((userId) => teamsReader(userId, orgId)));
  }

  async remove(orgId: string, actor: Member, leaving: Leaving[], managerDelta: number, by: ChangeBy) {
    const emails = [...new Set(leaving.flatMap((l) => invitationsOf(l.member)))];
    // Deleting an invitation that does not exist does nothing: no read needed.
    const extra: TransactItem[] = emails.map((email) => ({
      Delete: { TableName: this.table.tableName, Key: keys.invitation(orgId, email) },
    }));
    // writeMembers' own items: one per member, the actor's check and the count. Each member's teams item
    // (or its condition) is one more; what is left over takes whole sets of team memberships, in order.
    let spare = MAX_TRANSACTION_ITEMS - (leaving.length - 1 + MEMBER_WRITE_OWN_ITEMS) - extra.length - leaving.length;
    const unfinished: string[] = [];
    for (const { member, teams } of leaving) {
      const left = leaveOrganization(this.table, member.userId, orgId, teams, 1 + Math.max(0, spare));
      spare -= left.items.length - 1;
      extra.push(...left.items);
      if (left.unfinished) unfinished.push(member.userId);
    }
    await this.orgs.writeMembers(
      orgId,
      actor,
      leaving.map(({ member }) => ({ kind: "remove", before: member })),
      managerDelta,
      by,
      undefined,
      extra,
    );
    return unfinished;
  }

  async finishLeaving(orgId: string, userId: string, removedAt: string) {
    const [member, teams] = await readTogether(
      this.table,
      itemReader<Member>(keys.member(orgId, userId)),
      teamsReader(userId, orgId),
    );
    if (!teams) return;
    // Added back meanwhile: the earlier membership's team items still go (they never count again, but they would hold the
    // iTwins' team manager counts and refuse the user's joining those teams again); the teams item is theirs now too.
    await leaveTeamsOneByOne(this.table, userId, orgId, teams.teams, removedAt, member !== undefined);
  }
}

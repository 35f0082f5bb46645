// Use cases of Test iTwins (developer portal): iTwins whose participants hold every iModel permission, judged by the portal matrix.
import type { Idempotency } from "../domain/idempotency";
import type { Clock } from "../clock";
import type { Itwin, TeamMember } from "../domain/itwin";
import { levelPermissions } from "../domain/permissions";
import type { PortalAction } from "../domain/portal";
import { isAppError, lastParticipant, notFound } from "../errors";
import type { Caller } from "../domain/caller";
import { mintTestItwinId, orgOfTestItwin } from "../child-ids";
import { dispatch, type JobHandler, type Jobs } from "../jobs";
import type { ItwinStore, ItwinWithMembers } from "../store/itwins";
import type { OrganizationStore } from "../store/organizations";
import type { PageRequest } from "../store/partition";
import { readAll, type Readers } from "../store/together";
import { itwinView } from "./itwins";
import { authorize, membershipOf, type Membership } from "./membership";
import { retryingConcurrentChanges } from "./retry";
import { readWhileChecking } from "./together";

const participantView = (member: TeamMember) => ({
  id: member.userId,
  userId: member.userId,
  itwinId: member.itwinId,
  addedAt: member.addedAt,
});

/** The worker's iTwin job: what a deleted Test iTwin leaves to remove. */
export function itwinJobs(itwins: Pick<ItwinStore, "purge">): JobHandler {
  return async (job) => {
    if (job.kind !== "purgeItwin") throw new Error(`the iTwins group does not do ${job.kind} jobs`);
    await itwins.purge(job.itwin);
  };
}

export function testItwinUseCases(deps: {
  itwins: ItwinStore;
  organizations: OrganizationStore;
  jobs: Jobs;
  clock: Clock;
}) {
  const participant = (itwinId: string, userId: string): TeamMember => {
    const now = deps.clock.now().toISOString();
    // Participants hold every iModel permission; the participant list itself is governed by the portal matrix, not team_manage.
    return {
      itwinId,
      userId,
      roles: ["Delete"],
      permissions: [...levelPermissions.Delete],
      teamManage: false,
      addedAt: now,
      updatedAt: now,
    };
  };

  /** The caller's membership of the organisation, with `also` read in the same request; outside it the Test iTwin is 404. */
  const membershipFor = <T extends readonly unknown[]>(
    caller: Caller,
    id: string,
    orgId: string,
    also: Readers<T>,
  ): Promise<Membership<T>> =>
    membershipOf<T>(deps.organizations, caller, orgId, { also }).catch((error: unknown) => {
      throw isAppError(error, "NotFound") ? notFound("Test iTwin", id) : error;
    });

  /**
   * The Test iTwin and the caller's relation to it, judged by the portal matrix for `action`, in one
   * request: the id names the organisation (`itw_<organisation body><16>`), so the Test iTwin, the
   * participant items and the caller's membership come in one BatchGetItem. 404 when the id does not
   * parse, the Test iTwin does not exist, or the caller is outside its organisation.
   */
  async function judged(caller: Caller, id: string, action: PortalAction, also: string[] = []) {
    const orgId = orgOfTestItwin(id);
    if (!orgId) throw notFound("Test iTwin", id);
    const membership = await membershipFor<[ItwinWithMembers]>(caller, id, orgId, [
      deps.itwins.withMembers(id, [caller.userId, ...also]),
    ]);
    const [{ itwin, members }] = membership.also;
    if (itwin?.kind !== "test" || itwin.orgId !== orgId) throw notFound("Test iTwin", id);
    authorize(membership, action, { participant: members.has(caller.userId) }, { kind: "Test iTwin", id });
    return { itwin, members };
  }

  return {
    async create(caller: Caller, orgId: string, input: { name: string }, idempotencyKey?: string) {
      const membership = await membershipOf(deps.organizations, caller, orgId);
      authorize(membership, "createTestItwin");
      const now = deps.clock.now().toISOString();
      const itwin: Itwin = {
        id: mintTestItwinId(orgId, idempotencyKey, caller.userId, "test-itwin"),
        orgId,
        kind: "test",
        name: input.name,
        createdBy: caller.userId,
        createdAt: now,
        teamManagerCount: 0,
      };
      const result = await deps.itwins.create(itwin, participant(itwin.id, caller.userId));
      if (!result.created && (result.itwin.createdBy !== caller.userId || result.itwin.kind !== "test"))
        throw notFound("Test iTwin", itwin.id);
      return itwinView(result.itwin);
    },

    /**
     * Lists only the Test iTwins the caller participates in: managers see no others. The caller's
     * entries hold ids only (a rename would have to reach every participant's entry), so the page's
     * Test iTwins are read in the same BatchGetItem as the caller's membership, which judges the answer.
     */
    async list(caller: Caller, orgId: string, page: PageRequest) {
      const listed = await deps.itwins.idsOfUser(caller.userId, orgId, "test", page).catch(async (error: unknown) => {
        // A caller who may not list learns that first, as before, whatever their cursor.
        authorize(await membershipOf(deps.organizations, caller, orgId), "readTestItwin", { participant: true });
        throw error;
      });
      const membership = await membershipOf<[ItwinWithMembers[]]>(deps.organizations, caller, orgId, {
        also: [readAll(listed.items.map((id) => deps.itwins.withMembers(id, [])))],
      });
      authorize(membership, "readTestItwin", { participant: true });
      // An entry whose Test iTwin is being deleted has no iTwin item any more: it is skipped, not answered half.
      const items = membership.also[0].map((read) => read.itwin).filter((i): i is Itwin => i !== undefined);
      return { items: items.map(itwinView), ...(listed.next ? { next: listed.next } : {}) };
    },

    async get(caller: Caller, id: string) {
      return itwinView((await judged(caller, id, "readTestItwin")).itwin);
    },

    async rename(caller: Caller, id: string, input: { name: string }) {
      await judged(caller, id, "modifyTestItwin");
      return itwinView(await deps.itwins.rename(id, input.name, "test"));
    },

    async delete(caller: Caller, id: string) {
      const { itwin } = await judged(caller, id, "deleteTestItwin");
      await deps.itwins.delete(itwin);
      await dispatch(deps.jobs, { kind: "purgeItwin", itwin }, itwinJobs(deps.itwins));
    },

    /** Adding someone already participating answers their participation again (the request is idempotent). */
    async addParticipant(caller: Caller, id: string, input: { userId: string }, once?: Idempotency) {
      const { itwin, members } = await judged(caller, id, "addTestItwinParticipant", [input.userId]);
      const existing = members.get(input.userId);
      if (existing) return participantView(existing);
      // The new participant's organisation membership is a condition of the transaction (NotOrganizationMember), not a read.
      const added = participant(itwin.id, input.userId);
      const answer = participantView(added);
      try {
        await deps.itwins.addMember(itwin, added, once?.receipt(answer));
      } catch (error) {
        // A concurrent add of the same participant: theirs stands, and this answer is the same.
        if (!isAppError(error, "AlreadyTeamMember")) throw error;
      }
      return answer;
    },

    /** Participants only, one page at a time: the Query is sent with the check and answered only when it allows. */
    async listParticipants(caller: Caller, id: string, page: PageRequest) {
      const found = await readWhileChecking(
        () => judged(caller, id, "listTestItwinParticipants"),
        () => deps.itwins.listMembers(id, page),
      );
      return { items: found.items.map(participantView), ...(found.next ? { next: found.next } : {}) };
    },

    /**
     * A participant removes any participant, themselves included; the last one stays (409). The removal is
     * conditioned on another participant still being there (the caller when they remove someone else), so
     * two removals of the last two cannot both pass: one re-reads and finds itself the last.
     */
    async removeParticipant(caller: Caller, id: string, userId: string) {
      await retryingConcurrentChanges(async () => {
        const { itwin, members } = await judged(caller, id, "removeTestItwinParticipant", [userId]);
        const leaving = members.get(userId);
        if (!leaving) throw notFound("participant", userId);
        const keep =
          userId !== caller.userId
            ? caller.userId
            : (await deps.itwins.listMembers(id, { limit: 2 })).items.find((m) => m.userId !== userId)?.userId;
        if (!keep) throw lastParticipant(userId);
        await deps.itwins.removeMember(itwin, leaving, keep);
      });
    },
  };
}

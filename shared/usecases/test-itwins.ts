// Use cases of Test iTwins (developer portal): iTwins whose participants hold every iModel permission, judged by the portal matrix.
import type { Clock } from "../clock";
import type { Itwin, TeamMember } from "../domain/itwin";
import { levelPermissions } from "../domain/permissions";
import type { PortalAction } from "../domain/portal";
import { AppError, notFound } from "../errors";
import type { Caller } from "../http/caller";
import { idFor } from "../ids";
import { notOrganizationMember } from "../itwin-errors";
import type { ItwinStore } from "../store/itwins";
import type { OrganizationStore } from "../store/organizations";
import type { PageRequest } from "../store/partition";
import { itwinView } from "./itwins";
import { authorize, membershipOf } from "./membership";

const participantView = (member: TeamMember) => ({ id: member.userId, userId: member.userId, itwinId: member.itwinId, addedAt: member.addedAt });

export function testItwinUseCases(deps: { itwins: ItwinStore; organizations: OrganizationStore; clock: Clock }) {
  const participant = (itwinId: string, userId: string): TeamMember => {
    const now = deps.clock.now().toISOString();
    // Participants hold every iModel permission; the participant list itself is governed by the portal matrix, not team_manage.
    return { itwinId, userId, roles: ["Delete"], permissions: [...levelPermissions.Delete], teamManage: false, addedAt: now, updatedAt: now };
  };

  /**
   * The Test iTwin and the caller's relation to it, judged by the portal matrix for `action`:
   * 404 when it does not exist, is not a Test iTwin, or the caller is outside its organisation.
   */
  async function judged(caller: Caller, id: string, action: PortalAction, also: string[] = []) {
    const { itwin, members } = await deps.itwins.getWithMembers(id, [caller.userId, ...also]);
    if (!itwin || itwin.kind !== "test") throw notFound("Test iTwin", id);
    const membership = await membershipOf(deps.organizations, caller, itwin.orgId).catch((error: unknown) => {
      throw error instanceof AppError && error.status === 404 ? notFound("Test iTwin", id) : error;
    });
    authorize(membership, action, { participant: members.has(caller.userId) }, { kind: "Test iTwin", id });
    return { itwin, members };
  }

  return {
    async create(caller: Caller, orgId: string, input: { name: string }, idempotencyKey?: string) {
      const membership = await membershipOf(deps.organizations, caller, orgId);
      authorize(membership, "createTestItwin");
      const now = deps.clock.now().toISOString();
      const itwin: Itwin = {
        id: idFor("itw", idempotencyKey, caller.userId, "test-itwin", orgId),
        orgId,
        kind: "test",
        name: input.name,
        createdBy: caller.userId,
        createdAt: now,
        teamManagerCount: 0,
      };
      const result = await deps.itwins.create(itwin, participant(itwin.id, caller.userId));
      if (!result.created && (result.itwin.createdBy !== caller.userId || result.itwin.kind !== "test")) throw notFound("Test iTwin", itwin.id);
      return itwinView(result.itwin);
    },

    /** Lists only the Test iTwins the caller participates in: managers see no others. */
    async list(caller: Caller, orgId: string, page: PageRequest) {
      const membership = await membershipOf(deps.organizations, caller, orgId);
      authorize(membership, "readTestItwin", { participant: true });
      const found = await deps.itwins.listOfUser(caller.userId, orgId, "test", page);
      return { items: found.items.map(itwinView), ...(found.next ? { next: found.next } : {}) };
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
    },

    /** Adding someone already participating answers their participation again (the request is idempotent). */
    async addParticipant(caller: Caller, id: string, input: { userId: string }) {
      const { itwin, members } = await judged(caller, id, "addTestItwinParticipant", [input.userId]);
      const existing = members.get(input.userId);
      if (existing) return participantView(existing);
      const { member: orgMember } = await deps.organizations.getWithMember(itwin.orgId, input.userId);
      if (!orgMember) throw notOrganizationMember([input.userId]);
      const added = participant(itwin.id, input.userId);
      try {
        await deps.itwins.addMember(itwin, added);
      } catch (error) {
        // A concurrent add of the same participant: theirs stands, and this answer is the same.
        if ((error as { code?: string }).code !== "AlreadyTeamMember") throw error;
      }
      return participantView(added);
    },
  };
}

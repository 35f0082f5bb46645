// The caller's place on an iTwin's team, judged together with their organisation membership in one request.
import { orgOfItwin } from "../child-ids";
import { teamItemCounts } from "../domain/itwin";
import { notFound } from "../errors";
import type { Caller } from "../domain/caller";
import type { ItwinStore } from "../store/itwins";
import type { OrganizationStore } from "../store/organizations";
import { recordVerifiedEmail } from "./membership";

export interface TeamAccessDeps {
  itwins: Pick<ItwinStore, "getWithMembers">;
  organizations: Pick<OrganizationStore, "recordVerifiedEmail">;
}

/**
 * The iTwin, the caller's team member item and those of `also`; 404 for anyone outside the team or
 * outside the organisation. The iTwin's id names its organisation, so the caller's membership is read
 * in the same BatchGetItem: a removed member whose team items are still being cleaned up (or whose
 * cleanup died half-way) is outside at once.
 */
export async function teamAccess(deps: TeamAccessDeps, caller: Caller, itwinId: string, also: string[] = []) {
  const orgId = orgOfItwin(itwinId);
  if (!orgId) throw notFound("iTwin", itwinId);
  const { itwin, members, orgMember } = await deps.itwins.getWithMembers(itwinId, [caller.userId, ...also], {
    orgId,
    userId: caller.userId,
  });
  const me = members.get(caller.userId);
  if (!itwin || !me || itwin.orgId !== orgId || !teamItemCounts(orgMember, me)) throw notFound("iTwin", itwinId);
  await recordVerifiedEmail(deps.organizations, orgMember!, caller);
  return { itwin, me, members };
}

// Who may replace or remove an iModel's own access list, and what they may put on it (SPEC sections 2 and 7).
import { grantCeiling, type Itwin, type TeamMember } from "../domain/itwin";
import { MAX_LIST_ENTRIES } from "../domain/imodel";
import { listSettable, type Permission } from "../domain/permissions";
import { invalidInput } from "../errors";
import type { ImodelAccess } from "./imodel-access";

/**
 * Manage on the iModel, or `team_manage` on the iTwin: a team manager may always replace or remove a list,
 * so a list whose Manage holders left the team is never stuck. Everyone else is judged by the table.
 */
export const listAuthority =
  (operation: "setAccess" | "clearAccess") =>
  (access: Pick<ImodelAccess, "member">): "setAccess" | "clearAccess" | "allowed" =>
    access.member.teamManage ? "allowed" : operation;

/**
 * What a list may give, set by this caller: what they hold on the iModel, and for a team manager also what
 * they hold in the iTwin (they could grant it there anyway), cut to View..Manage. The creator holds all.
 */
export function listCeiling(
  itwin: Pick<Itwin, "createdBy">,
  member: Pick<TeamMember, "userId" | "permissions" | "teamManage">,
  held: readonly Permission[],
): readonly Permission[] {
  const fromItwin = member.teamManage ? grantCeiling(itwin, member) : [];
  return listSettable.filter((p) => held.includes(p) || fromItwin.includes(p));
}

/**
 * A list is one transaction: the iModel's version flip, one Put per entry and one update per custom role it
 * names (each role records the assignment, store/role-use.ts), 100 actions at most.
 */
export function requireListFits(entries: number, customRoles: number): void {
  if (entries + customRoles <= MAX_LIST_ENTRIES) return;
  throw invalidInput(
    `Invalid body.members: ${entries} entries and ${customRoles} custom roles; together at most ${MAX_LIST_ENTRIES}`,
    {
      fields: [
        { field: "body.members", reason: `entries plus distinct custom roles must not pass ${MAX_LIST_ENTRIES}` },
      ],
    },
  );
}

// Errors named after the iTwin and iModel rules they protect (SPEC section 2); the store and use cases throw them, the middy stack answers them.
import { conflict, forbidden, invalidInput, serviceUnavailable } from "./errors";

export const lastTeamManager = () =>
  conflict("LastTeamManager", "Refused: the iTwin would have nobody with team_manage; give the TeamManager role (or a role with team_manage) to someone else first");

export const alreadyTeamMember = (userId: string) =>
  conflict("AlreadyTeamMember", `'${userId}' is already a team member; change their roles with PATCH instead`);

export const notOrganizationMember = (userIds: string[]) =>
  conflict("NotOrganizationMember", `Add ${userIds.map((u) => `'${u}'`).join(", ")} to the organisation first: iTwin teams are made of organisation members`, { userIds });

export const notTeamMember = (userIds: string[]) =>
  conflict("NotTeamMember", `Add ${userIds.map((u) => `'${u}'`).join(", ")} to the iTwin's team first: per-iModel lists are made of team members`, { userIds });

export const testItwinTeam = () =>
  conflict("TestItwinTeam", "A Test iTwin's team is its participants, who hold every permission: add them with POST /test-itwins/{id}/participants");

export const testItwinAccess = () =>
  conflict("TestItwinAccess", "iModels of a Test iTwin have no per-iModel lists: every participant holds every iModel permission");

export const concurrentChange = (what: string) =>
  conflict("ConcurrentChange", `${what} changed while this request ran; read it again and retry`);

export const accessListWithoutManager = () =>
  conflict("AccessListWithoutManager", "A per-iModel list must give Manage to at least one member, or nobody could change it again");

export const notYourBriefcase = (briefcaseId: string) =>
  conflict("NotYourBriefcase", `Briefcase '${briefcaseId}' belongs to another user: push from a briefcase of your own`);

export const lockHeld = (objectId: string, briefcaseId: string) =>
  conflict("LockHeldByAnotherBriefcase", `'${objectId}' is locked by briefcase '${briefcaseId}'; ask its owner to release it, or someone with Manage`, { objectId, briefcaseId });

export const tooManyLocks = (briefcaseId: string, max: number) =>
  conflict("TooManyLocks", `Briefcase '${briefcaseId}' may hold at most ${max} locks, counting those this push names; release locks first`, { briefcaseId, max });

export const tooManyTeams = (userId: string, max: number) =>
  conflict("TooManyTeams", `'${userId}' is on ${max} teams of this organisation, the most one user may join; remove them from a team first`, { userId, max });

export const unknownRoles = (field: string, roleIds: string[]) =>
  invalidInput(`Invalid ${field}: no role ${roleIds.map((r) => `'${r}'`).join(", ")} in this iTwin`, {
    fields: roleIds.map((r) => ({ field, reason: `unknown role '${r}'` })),
  });

export const busyTimeline = () => serviceUnavailable("Many changesets are being pushed to this iModel at once; retry after the time in Retry-After");

/** Nobody grants what they do not hold: 403 naming what the granter lacks. */
export const grantAboveOwn = (missing: readonly string[], where: string) =>
  forbidden(`You can only grant permissions you hold ${where}; you lack ${missing.join(", ")}`);

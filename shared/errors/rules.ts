// One factory per rule code (SPEC section 2): named after the rule it protects; stores, domain and use cases throw them, the middy stack answers them.
import { AppError } from "./catalogue";
import { forbidden, invalidInput, serviceUnavailable } from "./http";

const names = (ids: readonly string[]) => ids.map((u) => `'${u}'`).join(", ");

// Concurrency.

/** Another request changed `what` between this request's read and its write: read it again and retry. */
export const concurrentChange = (what: string) =>
  new AppError("ConcurrentChange", `${what} changed while this request ran; read it again and retry`);

/** A visit renewed the token between the read and the write's transaction: read it again. */
export const tokenChanged = () => new AppError("TokenChanged", "Your token changed at the same time; retry");

/** A scheduled occurrence another tick already started or skipped. */
export const alreadyStarted = () => new AppError("AlreadyStarted", "This occurrence was already handled");

// Organisations and subscriptions.

export const lastSubscriptionManager = () =>
  new AppError(
    "LastSubscriptionManager",
    "Refused: the organisation must keep at least one Subscription Manager; assign the role to someone else first",
  );

export const memberExists = (userId: string) =>
  new AppError("MemberExists", `'${userId}' is already a member of this organisation`);

export const invitationExists = (email: string) =>
  new AppError("InvitationExists", `'${email}' is already invited to this organisation`);

export const subscriptionCancelled = () =>
  new AppError(
    "SubscriptionCancelled",
    "The subscription is cancelled and can no longer change; contact the Partner Team",
  );

export const administratorIsSubscriptionManager = (userId: string, administrator: boolean) =>
  new AppError(
    "AdministratorIsSubscriptionManager",
    administrator
      ? `'${userId}' is the Administrator and always a Subscription Manager`
      : `'${userId}' is a Co-Administrator and always a Subscription Manager; clear the Co-Administrator flag first`,
  );

export const selfRemoval = () =>
  new AppError(
    "SelfRemoval",
    "You cannot remove yourself: assign the Subscription Manager role to another member and ask them to remove you",
  );

// Applications.

export const implicitOwner = (userId: string) =>
  new AppError(
    "ImplicitOwner",
    `'${userId}' is an Application or Subscription Manager and owns every application already`,
  );

export const tooManyOwners = (max: number) =>
  new AppError("TooManyOwners", `An application lists at most ${max} owners; remove one before adding another`);

/** An application always lists someone: its last listed owner stays (managers own it implicitly, but are not listed). */
export const lastApplicationOwner = (userId: string) =>
  new AppError(
    "LastApplicationOwner",
    `'${userId}' is the application's last listed owner; add another owner before removing them`,
  );

// iTwins, teams and iModels.

export const lastTeamManager = () =>
  new AppError(
    "LastTeamManager",
    "Refused: the iTwin would have nobody with team_manage; give the TeamManager role (or a role with team_manage) to someone else first",
  );

export const alreadyTeamMember = (userId: string) =>
  new AppError("AlreadyTeamMember", `'${userId}' is already a team member; change their roles with PATCH instead`);

export const notOrganizationMember = (userIds: string[]) =>
  new AppError(
    "NotOrganizationMember",
    `Add ${names(userIds)} to the organisation first: iTwin teams are made of organisation members`,
    { userIds },
  );

export const notTeamMember = (userIds: string[]) =>
  new AppError(
    "NotTeamMember",
    `Add ${names(userIds)} to the iTwin's team first: per-iModel lists are made of team members`,
    { userIds },
  );

export const tooManyTeams = (userId: string, max: number) =>
  new AppError(
    "TooManyTeams",
    `'${userId}' is on ${max} teams of this organisation, the most one user may join; remove them from a team first`,
    { userId, max },
  );

/** A custom role still held (by a team member or a per-iModel list entry) is neither deleted nor given other permissions. */
export const roleInUse = (roleId: string, what: string) =>
  new AppError(
    "RoleInUse",
    `${what} refused: role '${roleId}' is still assigned (to team members or in per-iModel lists); assign them other roles first`,
    { roleId },
  );

/** A Test iTwin always keeps a participant: the last one stays (deleting the Test iTwin is the way out). */
export const lastParticipant = (userId: string) =>
  new AppError(
    "LastParticipant",
    `'${userId}' is the Test iTwin's last participant; add another participant first, or delete the Test iTwin`,
  );

export const testItwinTeam = () =>
  new AppError(
    "TestItwinTeam",
    "A Test iTwin's team is its participants, who hold every permission: add them with POST /test-itwins/{id}/participants",
  );

export const testItwinAccess = () =>
  new AppError(
    "TestItwinAccess",
    "iModels of a Test iTwin have no per-iModel lists: every participant holds every iModel permission",
  );

export const accessListWithoutManager = () =>
  new AppError(
    "AccessListWithoutManager",
    "A per-iModel list must give Manage to at least one member, or nobody could change it again",
  );

export const notYourBriefcase = (briefcaseId: string) =>
  new AppError(
    "NotYourBriefcase",
    `Briefcase '${briefcaseId}' belongs to another user: push from a briefcase of your own`,
  );

export const lockHeld = (objectId: string, briefcaseId: string) =>
  new AppError(
    "LockHeldByAnotherBriefcase",
    `'${objectId}' is locked by briefcase '${briefcaseId}'; ask its owner to release it, or someone with Manage`,
    { objectId, briefcaseId },
  );

export const tooManyLocks = (briefcaseId: string, max: number) =>
  new AppError(
    "TooManyLocks",
    `Briefcase '${briefcaseId}' may hold at most ${max} locks, counting those this push names; release locks first`,
    { briefcaseId, max },
  );

export const unknownRoles = (field: string, roleIds: string[]) =>
  invalidInput(`Invalid ${field}: no role ${names(roleIds)} in this iTwin`, {
    fields: roleIds.map((r) => ({ field, reason: `unknown role '${r}'` })),
  });

export const busyTimeline = () =>
  serviceUnavailable("Many changesets are being pushed to this iModel at once; retry after the time in Retry-After");

/** Nobody grants what they do not hold: 403 naming what the granter lacks. */
export const grantAboveOwn = (missing: readonly string[], where: string) =>
  forbidden(`You can only grant permissions you hold ${where}; you lack ${missing.join(", ")}`);

// Synchronization.

/** One active run per connection: `what` (starting a run, deleting, changing the owner) waits for it to end. */
export const runInProgress = (runId: string, what: string) =>
  new AppError("RunInProgress", `${what} refused: run '${runId}' is queued or running; try again when it finishes`, {
    activeRunId: runId,
  });

export const alreadyOwner = (userId: string) =>
  new AppError("AlreadyOwner", `'${userId}' already owns this connection`);

export const newOwnerNotTeamMember = (userId: string) =>
  new AppError("NewOwnerNotTeamMember", `'${userId}' is not a member of this iTwin's team`);

export const newOwnerNeverInteracted = (userId: string) =>
  new AppError(
    "NewOwnerNeverInteracted",
    `'${userId}' has never worked with this iModel; ownership goes only to team members who have`,
  );

export const tooManyFiles = (max: number) =>
  new AppError(
    "TooManyFiles",
    `A connection lists at most ${max} source files; remove one (PATCH files) before adding another`,
    { max },
  );

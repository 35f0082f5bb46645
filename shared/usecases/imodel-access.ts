// The guard of every iModel request: one read decides who the caller is to the iModel, the permission table decides the rest, and success is recorded as an interaction.
import { itwinOfImodel } from "../child-ids";
import type { Clock } from "../clock";
import {
  dayOf,
  permissionsOn,
  type Briefcase,
  type Imodel,
  type Interaction,
  type NamedVersion,
} from "../domain/imodel";
import type { Connection, Run } from "../domain/connection";
import { teamItemCounts, type CustomRole, type Itwin, type TeamMember } from "../domain/itwin";
import type { SyncOwner } from "../domain/sync-token";
import { allows, operationRules, permissions, type ImodelOperation, type Permission } from "../domain/permissions";
import { forbidden, notFound } from "../errors";
import type { Caller } from "../domain/caller";
import type { Member } from "../domain/organization";
import { logger } from "../log";
import type { AccessExtras, ImodelStore } from "../store/imodels";
import type { OrganizationStore } from "../store/organizations";
import { recordVerifiedEmail } from "./membership";
import { recordedToday, type RecordedToday } from "./recorded-today";
import { readWhileChecking } from "./together";

export interface ImodelAccess {
  itwin: Itwin;
  imodel: Imodel;
  member: TeamMember;
  /** The caller's effective permissions on the iModel. */
  permissions: Permission[];
  interaction?: Interaction;
  briefcase?: Briefcase;
  namedVersion?: NamedVersion;
  connection?: Connection;
  run?: Run;
  /** With `otherUserId`: whether that user is on the team, their effective permissions and their interaction record. */
  other?: { userId: string; member?: TeamMember; permissions: Permission[]; interaction?: Interaction };
  /** With `syncOwnerId`: that user's synchronization token item (undefined when they have none). */
  syncOwner?: SyncOwner;
  /** With `callerToken`: the caller's own synchronization token item (undefined when they have none). */
  callerSyncOwner?: SyncOwner;
  /** With `teamUserIds`: those of them on the team (the caller's own item is `member`). */
  team?: TeamMember[];
  /** With `roleIds`: the custom roles found. */
  roles?: CustomRole[];
}

export interface OpenOptions extends AccessExtras {
  /** How a 404 names what was asked for, when the path named something inside the iModel. */
  notFoundAs?: { kind: string; id: string };
}

/**
 * The caller sees the iModel: it and its iTwin exist, they are on the team, and that team item counts for their
 * membership of the iTwin's organisation as it is now (a removed member's leftover team items never do).
 */
function onTeamNow<R extends { itwin?: Itwin; imodel?: Imodel; member?: TeamMember; orgMember?: Member }>(
  read: R,
): read is R & { itwin: Itwin; imodel: Imodel; member: TeamMember; orgMember: Member } {
  return (
    !!read.itwin &&
    !!read.imodel &&
    !!read.member &&
    read.orgMember?.orgId === read.itwin.orgId &&
    teamItemCounts(read.orgMember, read.member)
  );
}

/** The 403 of an operation the table does not allow, naming what the caller holds and what it needs. */
export function denied(
  operation: ImodelOperation,
  itwin: Itwin,
  member: TeamMember,
  on?: { imodel: Imodel; permissions: Permission[] },
) {
  const rule = operationRules[operation];
  const atItwin = rule.scope === "itwin" || !on;
  const held = atItwin ? permissions.filter((p) => member.permissions.includes(p)) : on.permissions;
  const where = atItwin ? `in iTwin '${itwin.id}'` : `on iModel '${on.imodel.id}'`;
  return forbidden(
    `Your permissions ${where} (${held.join(", ") || "none"}) do not include ${rule.needs}, needed to ${rule.purpose}`,
  );
}

export function imodelGuard(deps: {
  imodels: ImodelStore;
  organizations: Pick<OrganizationStore, "recordVerifiedEmail">;
  clock: Clock;
  /** This instance's memo of interactions recorded today (one per guard unless given). */
  recorded?: RecordedToday;
}) {
  const recorded = deps.recorded ?? recordedToday();
  /** Whether the read may leave the caller's interaction record out: this instance knows it is today's. */
  const interactionKnown = (imodelId: string, userId: string) =>
    recorded.has(imodelId, userId, dayOf(deps.clock.now()));

  /**
   * One BatchGetItem. Anyone outside the iTwin's team, or outside its organisation (a removed member
   * whose team items are still being cleaned up), gets 404: the iModel is not visible to them.
   */
  async function open(caller: Caller, imodelId: string, options: OpenOptions = {}): Promise<ImodelAccess> {
    const hidden = () =>
      options.notFoundAs ? notFound(options.notFoundAs.kind, options.notFoundAs.id) : notFound("iModel", imodelId);
    const itwinId = itwinOfImodel(imodelId);
    if (!itwinId) throw hidden();
    const read = await deps.imodels.readAccess(imodelId, itwinId, caller.userId, {
      ...options,
      interactionKnown: interactionKnown(imodelId, caller.userId),
    });
    if (!onTeamNow(read)) throw hidden();
    await recordVerifiedEmail(deps.organizations, read.orgMember!, caller);
    return {
      itwin: read.itwin,
      imodel: read.imodel,
      member: read.member,
      permissions: permissionsOn(read.imodel, read.member, read.entry),
      interaction: read.interaction,
      briefcase: read.briefcase,
      namedVersion: read.namedVersion,
      connection: read.connection,
      run: read.run,
      ...(options.otherUserId
        ? {
            other: {
              userId: options.otherUserId,
              member: read.other?.member,
              permissions: read.other?.member ? permissionsOn(read.imodel, read.other.member, read.other.entry) : [],
              interaction: read.other?.interaction,
            },
          }
        : {}),
      syncOwner: read.syncOwner,
      callerSyncOwner: read.callerSyncOwner,
      team: read.team,
      roles: read.roles,
    };
  }

  /** 403: the caller sees the iModel but the table does not allow this operation. */
  function require(access: ImodelAccess, operation: ImodelOperation): void {
    if (allows(operation, { itwin: access.member.permissions, effective: access.permissions })) return;
    throw denied(operation, access.itwin, access.member, access);
  }

  /** Records that the caller worked with the iModel: skipped when the read showed today's record or the memo knows it. */
  async function touched(access: Pick<ImodelAccess, "interaction" | "imodel" | "member">): Promise<void> {
    const now = deps.clock.now();
    const today = dayOf(now);
    const { id: imodelId } = access.imodel;
    const { userId } = access.member;
    if (recorded.has(imodelId, userId, today)) return;
    if (access.interaction?.lastDay === today) return recorded.add(imodelId, userId, today);
    try {
      // Written, or refused by its condition because today's record is already there: either way it is today's.
      await deps.imodels.recordInteraction(imodelId, userId, now, today);
      recorded.add(imodelId, userId, today);
    } catch (error) {
      // The operation already succeeded; answering an error would invite a retry that repeats it.
      logger.warn("interaction not recorded", { imodelId: access.imodel.id, error: error as Error });
    }
  }

  return {
    open,
    require,
    touched,
    /**
     * The caller's effective permissions: one BatchGetItem of 6 keys (the interaction record among them, unless this
     * instance knows it is today's).
     * Asking is an interaction when the caller sees the iModel (a client may start with this call):
     * recorded at most once per user, iModel and day, after the read. 404 as `open`.
     */
    async permissions(caller: Caller, imodelId: string): Promise<Permission[]> {
      const itwinId = itwinOfImodel(imodelId);
      if (!itwinId) throw notFound("iModel", imodelId);
      const read = await deps.imodels.readPermissions(
        imodelId,
        itwinId,
        caller.userId,
        interactionKnown(imodelId, caller.userId),
      );
      if (!onTeamNow(read)) {
        throw notFound("iModel", imodelId);
      }
      const held = permissionsOn(read.imodel, read.member, read.entry);
      await Promise.all([
        recordVerifiedEmail(deps.organizations, read.orgMember, caller),
        held.length ? touched({ imodel: read.imodel, member: read.member, interaction: read.interaction }) : undefined,
      ]);
      return held;
    },
    /**
     * A list: its Query does not depend on the check, so both are sent at once (one round trip); the
     * page is answered only when the check allows it, and an outsider still gets the check's 404 first.
     */
    async list<T>(
      caller: Caller,
      imodelId: string,
      check: ImodelOperation | ((access: ImodelAccess) => void),
      read: () => Promise<T>,
      options?: OpenOptions,
    ): Promise<T> {
      let access: ImodelAccess | undefined;
      const result = await readWhileChecking(async () => {
        access = await open(caller, imodelId, options);
        if (typeof check === "function") check(access);
        else require(access, check);
      }, read);
      await touched(access!);
      return result;
    },
    /** open, require, do the work, record the interaction. `operation` may depend on what was read (whose briefcase). */
    async run<T>(
      caller: Caller,
      imodelId: string,
      operation: ImodelOperation | ((access: ImodelAccess) => ImodelOperation | "allowed"),
      work: (access: ImodelAccess) => Promise<T>,
      options?: OpenOptions,
    ): Promise<T> {
      const access = await open(caller, imodelId, options);
      // "allowed": the caller's authority comes from elsewhere than the operation table (team_manage on lists).
      const needed = typeof operation === "function" ? operation(access) : operation;
      if (needed !== "allowed") require(access, needed);
      const result = await work(access);
      await touched(access);
      return result;
    },
  };
}

export type ImodelGuard = ReturnType<typeof imodelGuard>;

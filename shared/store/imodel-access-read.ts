// What the one-request access read of an iModel answers, and the extra items a request may name to read with it.
import type { Connection, Run } from "../domain/connection";
import type { AccessEntry, Briefcase, Imodel, Interaction, NamedVersion } from "../domain/imodel";
import type { CustomRole, Itwin, TeamMember } from "../domain/itwin";
import type { Member } from "../domain/organization";
import type { SyncOwner } from "../domain/sync-token";

/** Everything a permission check needs about one caller and one iModel, read together. */
export interface AccessRead {
  itwin?: Itwin;
  imodel?: Imodel;
  member?: TeamMember;
  /** The caller's membership of the iTwin's organisation (its id names it): without it, no team item counts. */
  orgMember?: Member;
  entry?: AccessEntry;
  interaction?: Interaction;
  briefcase?: Briefcase;
  namedVersion?: NamedVersion;
  connection?: Connection;
  run?: Run;
  /** With `otherUserId`: that user's team member item, list entry and interaction record. */
  other?: { member?: TeamMember; entry?: AccessEntry; interaction?: Interaction };
  /** With `syncOwnerId`: that user's synchronization token item. */
  syncOwner?: SyncOwner;
  /** With `callerToken`: the caller's own synchronization token item (a synchronization request is a visit). */
  callerSyncOwner?: SyncOwner;
  /** With `teamUserIds`: those of them on the iTwin's team. */
  team?: TeamMember[];
  /** With `roleIds`: those of the iTwin's custom roles that exist. */
  roles?: CustomRole[];
}

/** Items inside the iModel that a request names, read in the same BatchGetItem as the access. */
export interface AccessExtras {
  briefcaseId?: string;
  namedVersionId?: string;
  connectionId?: string;
  runId?: string;
  /** A second user the request acts on (the new owner of a connection). */
  otherUserId?: string;
  /** A user whose synchronization token the request needs. */
  syncOwnerId?: string;
  /** The caller's own synchronization token item: a synchronization request is a visit that may issue or renew it. */
  callerToken?: boolean;
  /** Users whose team member items the request needs (the users of an access list). */
  teamUserIds?: string[];
  /** Custom role ids whose definitions the request needs. */
  roleIds?: string[];
  /** The caller's interaction record is known to be today's (usecases/recorded-today.ts): it is left out of the read. */
  interactionKnown?: boolean;
}

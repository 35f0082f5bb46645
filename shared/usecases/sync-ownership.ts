// Handing a connection to a new owner (a transfer, or a take by a team member): the rules the request checks, who is
// told, and the one transaction that changes the owner with the notifications and the caller's visit.
import type { Connection } from "../domain/connection";
import { ownershipChange, ownershipWarnings, whoIsTold, type OwnershipNotice } from "../domain/ownership";
import { tokenStatus } from "../domain/sync-token";
import { alreadyOwner, newOwnerNotTeamMember, runInProgress } from "../errors";
import type { Caller } from "../domain/caller";
import { derivedId } from "../ids";
import { dispatch, type Job } from "../jobs";
import type { Draft } from "../mail/templates";
import type { ImodelAccess } from "./imodel-access";
import type { visitsOf } from "./sync-visits";
import { connectionView, tokenView, type SyncDeps } from "./sync-views";

export function ownershipOf(
  deps: SyncDeps,
  { withVisit }: Pick<ReturnType<typeof visitsOf>, "withVisit">,
  work: (job: Job) => Promise<void>,
) {
  const { sync, guard, jobs, clock } = deps;

  /**
   * Hands the connection to `to` and records who is told (`whoIsTold`) in the same transaction, with the
   * caller's visit; the mail goes out in the background. One read before: the connection, the caller's
   * access and token, the new owner's team member, list entry, interaction and token come in the access
   * check's BatchGetItem.
   */
  async function changeOwner(caller: Caller, connection: Connection, access: ImodelAccess, to: string) {
    if (connection.ownerId === to) throw alreadyOwner(to);
    if (connection.activeRunId) throw runInProgress(connection.activeRunId, "Changing the owner");
    const self = to === caller.userId;
    const onTeam = self ? access.member : access.other?.member;
    if (!onTeam) throw newOwnerNotTeamMember(to);
    const now = clock.now();
    const previous = connection.ownerId;
    const after: Connection = {
      ...connection,
      ownerId: to,
      owners: [...connection.owners, { userId: to, from: now.toISOString(), version: connection.version + 1 }].slice(
        -50,
      ),
      updatedAt: now.toISOString(),
      version: connection.version + 1,
    };
    const about = {
      connection: { id: connection.id, name: connection.name, imodelName: access.imodel.name },
      by: { userId: caller.userId, name: caller.name },
    };
    const told = whoIsTold[ownershipChange(caller.userId, previous, to)];
    const canWrite = (self ? access.permissions : (access.other?.permissions ?? [])).includes("imodels_write");

    return withVisit(caller, access.callerSyncOwner, async (token) => {
      // The new owner's token as it is after this request: a take is the new owner's own visit.
      const newOwner = self
        ? (token?.after ?? access.callerSyncOwner)
        : token && token.after.userId === to
          ? token.after
          : access.syncOwner;
      const status = tokenStatus(newOwner?.token, now);
      const draftOf = (notice: OwnershipNotice): Draft =>
        notice === "ownershipTransferred"
          ? { kind: notice, ...about, tokenStatus: status, tokenExpiresAt: newOwner?.token?.expiresAt }
          : notice === "ownershipHandedAway"
            ? { kind: notice, ...about, newOwner: { userId: to } }
            : { kind: notice, ...about };
      // The deliverer looks up each recipient's address.
      const notes = [
        ...(told.newOwner
          ? [
              {
                id: derivedId("note", "owner", connection.id, String(after.version)),
                kind: told.newOwner,
                draft: draftOf(told.newOwner),
                recipient: { orgId: access.itwin.orgId, userId: to },
              },
            ]
          : []),
        ...(told.originalOwner
          ? [
              {
                id: derivedId("note", "owner", connection.id, String(after.version), "original"),
                kind: told.originalOwner,
                draft: draftOf(told.originalOwner),
                recipient: { orgId: access.itwin.orgId, userId: previous },
              },
            ]
          : []),
      ];
      await sync.transferOwner(connection, after, { notes, now }, token);
      await dispatch(jobs, { kind: "deliver", notificationIds: notes.map((n) => n.id) }, work);
      await guard.touched(access);
      return {
        connection: connectionView(after),
        newOwner: {
          userId: to,
          token: tokenView(newOwner, now),
          ...(status === "valid"
            ? {}
            : {
                advice:
                  "The new owner's synchronization token is not valid: scheduled runs will fail until they start a run manually, which renews it.",
              }),
        },
        warnings: ownershipWarnings({ tokenStatus: status, canWrite }),
      };
    });
  }

  return { changeOwner };
}

// GET /me/connections: the connections the caller owns, each with its iModel, schedule, pause, next due time, last run and the caller's token state.
import type { Clock } from "../clock";
import type { Connection } from "../domain/connection";
import type { Caller } from "../domain/caller";
import type { TableRef } from "../store/dynamo";
import { ownedConnectionsPage } from "../store/owner-index";
import { tokenView } from "./sync-views";

export const ownedConnectionView = (c: Connection, token: ReturnType<typeof tokenView>) => ({
  id: c.id,
  name: c.name,
  imodelId: c.imodelId,
  itwinId: c.itwinId,
  ...(c.schedule ? { schedule: c.schedule } : {}),
  paused: c.paused === true,
  ...(c.nextDueAt ? { nextDueAt: c.nextDueAt } : {}),
  ...(c.activeRunId ? { activeRunId: c.activeRunId } : {}),
  ...(c.lastRun ? { lastRun: c.lastRun } : {}),
  ...(c.failingSince ? { failingSince: c.failingSince } : {}),
  ownerToken: token,
});

/**
 * No permission check: ownership is the caller's own fact, and a connection lists only its name, ids and
 * schedule (an owner who left the iTwin still owns it, and sees it here to hand it on or delete it through
 * someone who can). Not a visit: like `GET /me/sync-token`, it shows the token as it is, expired included.
 */
export function myConnectionsUseCases(deps: { table: TableRef; clock: Clock }) {
  return {
    async list(caller: Caller, page: { limit: number; cursor?: string }) {
      const found = await ownedConnectionsPage(deps.table, caller.userId, page);
      const token = tokenView(found.owner, deps.clock.now());
      return {
        items: found.connections.map((c) => ownedConnectionView(c, token)),
        ...(found.next ? { next: found.next } : {}),
      };
    },
  };
}

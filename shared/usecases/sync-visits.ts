// An owner's synchronization token, issued or renewed by their visits (SPEC section 3): written with the request's own
// change when there is one, alone otherwise.
import { randomBytes } from "node:crypto";
import { concurrentChange, isAppError } from "../errors";
import { nextTokenEvent, visit, type SyncOwner } from "../domain/sync-token";
import type { Caller } from "../domain/caller";
import type { TokenChange } from "../store/sync-port";
import { rereadingConcurrentChanges } from "./retry";
import type { SyncDeps } from "./sync-views";

export function visitsOf(deps: Pick<SyncDeps, "sync" | "clock" | "warningDays">) {
  const { sync, clock } = deps;

  /** What a portal visit makes of the token read (seed: issued when unknown or expired, renewed in the last 10 days); undefined when nothing changes. */
  function visited(
    userId: string,
    claims: { email?: string; name?: string },
    before: SyncOwner | undefined,
    now: Date,
  ): SyncOwner | undefined {
    const { token, outcome } = visit(before?.token, userId, now);
    if (outcome === "unchanged" && before) return undefined;
    return {
      userId,
      email: claims.email ?? before?.email,
      name: claims.name ?? before?.name,
      token: { ...token, secret: outcome === "issued" ? randomBytes(32).toString("base64url") : before!.token!.secret },
      scheduledConnections: before?.scheduledConnections ?? 0,
      nextEventAt: nextTokenEvent(token, deps.warningDays, now)?.at.toISOString(),
      version: (before?.version ?? 0) + 1,
    };
  }

  /** The caller's visit in this request (SPEC section 3): the token change to write with the request's change, or undefined when nothing changes. */
  function visitOf(caller: Caller, before: SyncOwner | undefined): TokenChange | undefined {
    const after = visited(caller.userId, caller, before, clock.now());
    return after && { before, after };
  }

  /**
   * Writes the request's change together with the caller's visit (one transaction). When another visit
   * wrote the token between the read and the write, the visit is made again from what that one wrote,
   * and the change is written alone.
   */
  async function withVisit<T>(
    caller: Caller,
    before: SyncOwner | undefined,
    write: (token: TokenChange | undefined) => Promise<T>,
  ): Promise<T> {
    const token = visitOf(caller, before);
    try {
      return await write(token);
    } catch (error) {
      if (!(token && isAppError(error, "TokenChanged"))) throw error;
      await visitPortal(caller.userId, caller);
      return write(undefined);
    }
  }

  /** A visit by a request that writes nothing else (reading a connection): one conditional write, only when the token changes. */
  async function visitAlone(caller: Caller, before: SyncOwner | undefined): Promise<void> {
    const token = visitOf(caller, before);
    // Losing to a concurrent write is fine: that one was a visit too.
    if (token) await sync.saveToken(token.before, token.after);
  }

  /** Issues or renews the caller's token as a portal visit does. */
  async function visitPortal(userId: string, claims: { email?: string; name?: string }): Promise<SyncOwner> {
    return rereadingConcurrentChanges(async () => {
      const before = await sync.getOwner(userId);
      const after = visited(userId, claims, before, clock.now());
      if (!after) return before!;
      if (await sync.saveToken(before, after)) return after;
      throw concurrentChange("Your token");
    }, 6);
  }

  return { visitOf, withVisit, visitAlone, visitPortal };
}

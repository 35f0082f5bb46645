// The scheduled trigger's steps: due runs (dispatched), expired leases, token warnings and expiries, and mail redelivery; each finds its work in the sparse `due` index.
import { eventDue, hearsAboutToken, nextTokenEvent, tokenEventFacts } from "../domain/sync-token";
import { derivedId } from "../ids";
import { logger } from "../log";
import { render } from "../mail/templates";
import type { OutboxStore } from "../store/outbox";
import type { SyncStore } from "../store/sync-port";
import type { notificationUseCases } from "./notifications";
import type { syncUseCases } from "./sync";
import type { TickStep } from "./tick";

export interface TriggerLimits {
  /** Items of each kind of work one tick takes at most; the rest waits for the next tick. */
  perStep: number;
  /** Items worked on at the same time. */
  concurrency: number;
}

/** Runs `work` over `items`, at most `concurrency` at a time; a failed item is logged and left for the next tick. */
export async function eachBounded<T>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<boolean>,
): Promise<number> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        if (await work(item)) done++;
      } catch (error) {
        logger.error("trigger work failed; left for the next tick", { error: error as Error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return done;
}

export function triggerSteps(deps: {
  sync: SyncStore;
  outbox: OutboxStore;
  runs: ReturnType<typeof syncUseCases>;
  notifications: ReturnType<typeof notificationUseCases>;
  warningDays: readonly number[];
  limits: TriggerLimits;
  /** The step that hands due runs to the workers. */
  dispatchRuns: TickStep;
}): TickStep[] {
  const { sync, runs, notifications, limits } = deps;

  // Due runs are dispatched to workers in batches (./dispatch.ts): the tick itself starts none.
  const scheduledRuns = deps.dispatchRuns;

  const interruptedRuns: TickStep = {
    name: "runsInterrupted",
    async run(now) {
      const due = await sync.dueIds("LEASE", now, limits.perStep);
      return eachBounded(due, limits.concurrency, async ({ id }) => {
        const run = await sync.getRun(id);
        if (!run || (run.state !== "queued" && run.state !== "running") || Date.parse(run.leaseUntil) > now.getTime())
          return false;
        return runs.finish(run, () => ({ state: "failed", reason: "Interrupted" }), now);
      });
    },
  };

  const tokenEvents: TickStep = {
    name: "tokenNoticesRecorded",
    async run(now) {
      const due = await sync.dueIds("TOKEN", now, limits.perStep);
      const recorded: string[] = [];
      const count = await eachBounded(due, limits.concurrency, async ({ id }) => {
        const owner = await sync.getOwner(id);
        if (!owner?.token || !owner.nextEventAt || Date.parse(owner.nextEventAt) > now.getTime()) return false;
        const event = eventDue(owner.token, deps.warningDays, now);
        const next = nextTokenEvent(owner.token, deps.warningDays, now)?.at.toISOString();
        const tell = event && hearsAboutToken(owner);
        const noteId = event ? derivedId("note", ...tokenEventFacts(owner.userId, owner.token, event)) : "";
        const mail =
          tell && event
            ? render(
                event.kind === "expired"
                  ? {
                      kind: "tokenExpired",
                      to: { email: owner.email!, name: owner.name },
                      expiredAt: owner.token.expiresAt,
                      scheduledConnections: owner.scheduledConnections,
                    }
                  : {
                      kind: "tokenExpiring",
                      to: { email: owner.email!, name: owner.name },
                      expiresAt: owner.token.expiresAt,
                      daysLeft: event.daysLeft,
                      scheduledConnections: owner.scheduledConnections,
                    },
              )
            : undefined;
        const done = await sync.announceTokenEvent(
          owner,
          next,
          mail ? { id: noteId, kind: event!.kind === "expired" ? "tokenExpired" : "tokenExpiring", mail } : undefined,
          now,
        );
        if (done && mail) recorded.push(noteId);
        return done && !!mail;
      });
      await notifications.deliverSoon(recorded);
      return count;
    },
  };

  const redelivery: TickStep = {
    name: "notificationsDelivered",
    async run() {
      const counts = await notifications.deliverDue(limits.perStep);
      return counts.sent;
    },
  };

  return [interruptedRuns, scheduledRuns, tokenEvents, redelivery];
}

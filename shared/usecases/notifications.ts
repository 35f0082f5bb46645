// Delivers notifications from the outbox: right after the change that recorded them, and again from the trigger until SES takes them.
import type { Clock } from "../clock";
import { logger } from "../log";
import type { MailSender } from "../mail/sender";
import { render, type Mail, type Recipient } from "../mail/templates";
import type { OutboxNotification, OutboxStore } from "../store/outbox";

/** A delivery attempt holds its claim this long; a deliverer that dies mid-way frees it for the next tick. */
const CLAIM_MS = 60_000;
/** Attempts before a notification is marked failed for an operator: with the backoff below, about a day of SES outage. */
export const MAX_DELIVERY_ATTEMPTS = 10;

/** 1, 2, 4 … minutes, at most 6 hours, between attempts. */
export const retryDelayMs = (attempts: number) => Math.min(6 * 60, 2 ** Math.max(0, attempts - 1)) * 60_000;

export type DeliveryOutcome = "sent" | "retry" | "failed" | "skipped";

/** A recipient's address and name, or undefined when they have none (or left the organisation). */
export type ContactBook = (recipient: Recipient) => Promise<{ email?: string; name?: string } | undefined>;

export function notificationUseCases(deps: { outbox: OutboxStore; sender: MailSender; clock: Clock; contacts: ContactBook }) {
  const { outbox, sender, clock } = deps;

  /** The mail of a notification: rendered when recorded, or now from its draft and the recipient's address. */
  async function mailOf(note: OutboxNotification): Promise<Mail | undefined> {
    if (note.mail) return note.mail;
    if (!note.draft || !note.recipient) return undefined;
    const contact = await deps.contacts(note.recipient);
    if (!contact?.email) return undefined;
    return render({ ...note.draft, to: { email: contact.email, name: contact.name } } as Parameters<typeof render>[0]);
  }

  async function deliver(id: string): Promise<DeliveryOutcome> {
    const now = clock.now();
    const note = await outbox.claim(id, now, CLAIM_MS);
    if (!note) return "skipped";
    let mail: Mail | undefined;
    try {
      mail = await mailOf(note);
      if (mail) await sender.send(mail);
    } catch (error) {
      const attempts = note.attempts + 1;
      const giveUp = attempts >= MAX_DELIVERY_ATTEMPTS;
      await outbox.markAttemptFailed(id, now, (error as Error).name || String(error), new Date(now.getTime() + retryDelayMs(attempts)), giveUp);
      logger.warn("notification not delivered", { notificationId: id, attempts, giveUp, error: (error as Error).name });
      return giveUp ? "failed" : "retry";
    }
    if (!mail) {
      // Nobody to write to: kept as failed, where operators look, rather than retried for a day.
      logger.warn("no e-mail address for the notification's recipient", { notificationId: id, recipientId: note.recipient?.userId });
      await outbox.markAttemptFailed(id, now, "NoAddress", now, true);
      return "failed";
    }
    await outbox.markSent(id, clock.now());
    return "sent";
  }

  return {
    deliver,

    /** Delivers what the change just recorded; an SES fault leaves it to the trigger and never fails the request. */
    async deliverSoon(ids: string[]): Promise<void> {
      for (const id of ids) {
        await deliver(id).catch((error: unknown) => logger.warn("delivery deferred to the trigger", { notificationId: id, error: (error as Error).name }));
      }
    },

    /** The trigger's step: due notifications, a bounded number per tick. */
    async deliverDue(limit: number): Promise<Record<DeliveryOutcome, number>> {
      const counts: Record<DeliveryOutcome, number> = { sent: 0, retry: 0, failed: 0, skipped: 0 };
      for (const id of await outbox.due(clock.now(), limit)) counts[await deliver(id)]++;
      return counts;
    },
  };
}

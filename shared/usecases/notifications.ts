// Delivers notifications from the outbox: right after the change that recorded them, and again from the trigger until SES takes them; mail over an address's hourly limit goes out later as one digest.
import type { Clock } from "../clock";
import { classifySesError, invalidAddress, isDeliverableAddress, retryDelayMs, sesReason } from "../domain/mail";
import { derivedId } from "../ids";
import { logger } from "../log";
import type { MailSender } from "../mail/sender";
import { render, renderDigest, type Mail, type Recipient } from "../mail/templates";
import { DIGEST_MAX_ITEMS, type OutboxNotification, type OutboxStore } from "../store/outbox";

/** A delivery attempt holds its claim this long; a deliverer that dies mid-way frees it for the next tick. */
const CLAIM_MS = 60_000;

export type DeliveryOutcome = "sent" | "retry" | "failed" | "held" | "skipped";

/** A recipient's address and name, or undefined when they have none (or left the organisation). */
export type ContactBook = (recipient: Recipient) => Promise<{ email?: string; name?: string } | undefined>;

export function notificationUseCases(deps: {
  outbox: OutboxStore;
  sender: MailSender;
  clock: Clock;
  contacts: ContactBook;
  mailPerHour: number;
}) {
  const { outbox, sender, clock, mailPerHour } = deps;

  /** The mail of a notification: rendered when recorded, or now from its draft and the recipient's address. */
  async function mailOf(note: OutboxNotification): Promise<Mail | undefined> {
    if (note.mail) return note.mail;
    if (!note.draft || !note.recipient) return undefined;
    const contact = await deps.contacts(note.recipient);
    if (!contact?.email) return undefined;
    return render({ ...note.draft, to: { email: contact.email, name: contact.name } } as Parameters<typeof render>[0]);
  }

  /**
   * What an attempt that did not reach SES, or that SES did not take, leaves: a refusal of the address
   * ends the mail (listed for operators with SES's reason); throttling waits without using an attempt;
   * anything else is retried without limit, at most an hour apart.
   */
  async function attemptFailed(note: OutboxNotification, error: unknown, now: Date): Promise<DeliveryOutcome> {
    const reason = sesReason(error);
    const kind = classifySesError(error);
    if (kind === "refused") {
      await outbox.markFailed(note.id, now, reason);
      logger.error("notification refused by SES; listed for operators", { notificationId: note.id, reason });
      return "failed";
    }
    const counter = kind === "throttled" ? "throttles" : "attempts";
    const count = (note[counter] ?? 0) + 1;
    await outbox.retryLater(note.id, now, reason, new Date(now.getTime() + retryDelayMs(count)), counter);
    logger.warn("notification not delivered; retried later", {
      notificationId: note.id,
      kind,
      [counter]: count,
      error: reason,
    });
    return "retry";
  }

  async function deliver(id: string): Promise<DeliveryOutcome> {
    const now = clock.now();
    const note = await outbox.claim(id, now, CLAIM_MS);
    if (!note) return "skipped";
    let mail: Mail | undefined;
    let slotTaken = false;
    try {
      mail = await mailOf(note);
      if (mail && !isDeliverableAddress(mail.to))
        throw Object.assign(new Error("the recipient's address is not one SES can deliver to"), {
          name: invalidAddress,
        });
      if (mail) {
        // No mail cannon (issue 13): past the address's hourly limit the notification waits for its digest.
        const slot = await outbox.takeSendSlot(mail.to, id, now, mailPerHour);
        if (!slot.free) {
          const held = await outbox.hold(note, mail, slot.freeAt, now);
          return held ? "held" : "skipped";
        }
        slotTaken = true;
        await sender.send(mail);
      }
    } catch (error) {
      if (slotTaken)
        await outbox
          .releaseSendSlot(mail!.to, id)
          .catch((e: unknown) =>
            logger.warn("send slot not given back", { notificationId: id, error: (e as Error).name }),
          );
      return attemptFailed(note, error, now);
    }
    if (!mail) {
      // Nobody to write to: kept as failed, where operators look, rather than retried for ever.
      logger.warn("no e-mail address for the notification's recipient", {
        notificationId: id,
        recipientId: note.recipient?.userId,
      });
      await outbox.markFailed(id, now, "NoAddress");
      return "failed";
    }
    // A deliverer that dies here, after SES took the mail, leaves it claimed but not marked: after the
    // claim the next tick sends it again. The one case of a duplicate (docs/decisions.md, Mail delivery).
    await outbox.markSent(id, clock.now());
    return "sent";
  }

  /** Sends an address's held notifications as one mail, when the address has a slot left in the hour. */
  async function deliverDigest(address: string): Promise<DeliveryOutcome> {
    const now = clock.now();
    const digest = await outbox.claimDigest(address, now, CLAIM_MS);
    if (!digest) return "skipped";
    const held = await outbox.heldMail(digest.address, DIGEST_MAX_ITEMS);
    if (held.items.length === 0) {
      await outbox.finishDigest(digest.address, digest.holds, now);
      return "skipped";
    }
    const digestId = derivedId("digest", digest.address.toLowerCase(), ...held.items.map((h) => h.id));
    const slot = await outbox.takeSendSlot(digest.address, digestId, now, mailPerHour, { digest: true });
    if (!slot.free) {
      await outbox.postponeDigest(digest.address, slot.freeAt);
      return "held";
    }
    try {
      await sender.send(renderDigest(digest.address, held.items, mailPerHour));
    } catch (error) {
      await outbox
        .releaseSendSlot(digest.address, digestId)
        .catch((e: unknown) => logger.warn("send slot not given back", { digestId, error: (e as Error).name }));
      const kind = classifySesError(error);
      if (kind === "refused") {
        await outbox.digestRefused(digest.address, held.items, now, sesReason(error));
        await outbox.finishDigest(digest.address, digest.holds, now);
        logger.error("digest refused by SES; its notifications listed for operators", {
          digestId,
          reason: sesReason(error),
        });
        return "failed";
      }
      const counter = kind === "throttled" ? "throttles" : "attempts";
      await outbox.postponeDigest(
        digest.address,
        new Date(now.getTime() + retryDelayMs((digest[counter] ?? 0) + 1)),
        counter,
        sesReason(error),
      );
      return "retry";
    }
    // As for one notification, a deliverer dying between the send and these marks sends the digest again.
    await outbox.digestSent(digest.address, digestId, held.items, clock.now());
    if (held.more) await outbox.postponeDigest(digest.address, clock.now());
    else await outbox.finishDigest(digest.address, digest.holds, clock.now());
    return "sent";
  }

  return {
    deliver,
    deliverDigest,

    /** Delivers what the change just recorded; an SES fault leaves it to the trigger and never fails the request. */
    async deliverSoon(ids: string[]): Promise<void> {
      for (const id of ids) {
        await deliver(id).catch((error: unknown) =>
          logger.warn("delivery deferred to the trigger", { notificationId: id, error: (error as Error).name }),
        );
      }
    },

    /** The trigger's step: due notifications and due digests, a bounded number of each per tick. */
    async deliverDue(limit: number): Promise<Record<DeliveryOutcome, number>> {
      const counts: Record<DeliveryOutcome, number> = { sent: 0, retry: 0, failed: 0, held: 0, skipped: 0 };
      // One delivery that fails (a DynamoDB fault, a mark after the send) leaves its claim to expire; the others go on.
      const each = async (what: Record<string, string>, attempt: () => Promise<DeliveryOutcome>) =>
        attempt().catch((error: unknown) => {
          logger.warn("delivery left for the next tick", { ...what, error: (error as Error).name });
          return "skipped" as const;
        });
      for (const id of await outbox.due(clock.now(), limit))
        counts[await each({ notificationId: id }, () => deliver(id))]++;
      for (const address of await outbox.dueDigests(clock.now(), limit))
        counts[await each({ kind: "digest" }, () => deliverDigest(address))]++;
      return counts;
    },
  };
}

// The outbox's items as other transactions write them: a notification recorded with the change that causes it.
import type { Draft, Mail, Recipient } from "../mail/templates";
import { dueKeys } from "./due";
import { keys } from "./keys";
import type { TransactItem } from "./transact";

export interface OutboxNotification {
  /** Deterministic: the same event always makes the same id, so it is recorded and sent once. */
  id: string;
  kind: string;
  /** The mail as rendered when the change was recorded; or `draft` and `recipient`, rendered at delivery. */
  mail?: Mail;
  draft?: Draft;
  recipient?: Recipient;
  /** `held`: over its address's hourly limit, waiting in that address's digest. */
  status: "pending" | "sent" | "failed" | "held";
  /** Failed attempts (SES 5xx, network, our own faults); throttling is counted apart, in `throttles`. */
  attempts: number;
  throttles?: number;
  createdAt: string;
  nextAttemptAt: string;
  sentAt?: string;
  /** The last error; for a failed notification, SES's reason for refusing it. */
  lastError?: string;
  /** While a deliverer holds it: until when. */
  claimedUntil?: string;
  /** The address whose digest holds (or carried) it, and the digest mail that carried it. */
  heldFor?: string;
  digestId?: string;
}

/** The digest waiting for one address: how many notifications were ever held for it (a version), and its retry counters. */
export interface MailDigest {
  address: string;
  holds: number;
  attempts?: number;
  throttles?: number;
  claimedUntil?: string;
  nextAttemptAt?: string;
}

/** A slot in an address's hourly allowance, or the moment one frees. */
export type SendSlot = { free: true } | { free: false; freeAt: Date };

/** What a change records: the rendered mail, or a draft for a recipient whose address the deliverer looks up. */
export type NewNotification = { id: string; kind: string } & ({ mail: Mail } | { draft: Draft; recipient: Recipient });

/** The Put a change's transaction carries to record the notification; it fails that transaction if the notification already exists. */
export function notificationPut(tableName: string, n: NewNotification, now: Date): TransactItem {
  const item: OutboxNotification = {
    ...n,
    status: "pending",
    attempts: 0,
    createdAt: now.toISOString(),
    nextAttemptAt: now.toISOString(),
  };
  return {
    Put: {
      TableName: tableName,
      Item: { ...keys.notification(n.id), ...dueKeys("NOTIFY", n.id, now), ...item },
      ConditionExpression: "attribute_not_exists(pk)",
    },
  };
}

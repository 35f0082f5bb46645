// The transactional outbox: a notification is written in the same transaction as the change that causes it, then delivered and marked, with retries; mail over an address's hourly limit is held for one digest.
import { GetCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { sendSlot } from "../domain/mail";
import type { HeldMail, Mail } from "../mail/templates";
import { isConditionFailure, strip } from "./dynamo";
import { dueEntries, dueKeys } from "./due";
import { keys } from "./keys";
import type { MailDigest, OutboxNotification, SendSlot } from "./outbox-items";
import { DynamoMailDigests } from "./outbox-digests";
import { untilWon } from "./retry";

export type { MailDigest, NewNotification, OutboxNotification, SendSlot } from "./outbox-items";

export interface OutboxStore {
  /** Claims a pending notification for one delivery attempt; undefined when sent, failed or claimed by someone else. */
  claim(id: string, now: Date, forMs: number): Promise<OutboxNotification | undefined>;
  markSent(id: string, now: Date): Promise<void>;
  /** Records a failed attempt (`attempts`) or a throttled one (`throttles`) and when to try again; never gives up. */
  retryLater(id: string, now: Date, error: string, retryAt: Date, counter: "attempts" | "throttles"): Promise<void>;
  /** Ends a notification for good (SES refused the address, or there is none) and lists it for operators with the reason. */
  markFailed(id: string, now: Date, reason: string): Promise<void>;
  /** Pending notifications whose next attempt is due, oldest first, at most `limit`. */
  due(now: Date, limit: number): Promise<string[]>;
  get(id: string): Promise<OutboxNotification | undefined>;
  /** Notifications that ended without a mail, newest first: what an operator looks at. */
  failed(limit: number): Promise<OutboxNotification[]>;

  /**
   * Takes one of the address's `limit` mails of the hour for the mail `id`, or says when one frees; race-safe.
   * While a digest waits for the address only the digest (`digest: true`) gets a slot.
   */
  takeSendSlot(
    address: string,
    id: string,
    now: Date,
    limit: number,
    options?: { digest?: boolean },
  ): Promise<SendSlot>;
  /** Gives back the slot of a mail SES did not take. */
  releaseSendSlot(address: string, id: string): Promise<void>;
  /** Moves a claimed notification into its address's digest, due when a slot frees; false when the claim was lost. */
  hold(note: OutboxNotification, mail: Mail, freeAt: Date, now: Date): Promise<boolean>;
  /** Addresses whose digest is due, at most `limit`. */
  dueDigests(now: Date, limit: number): Promise<string[]>;
  /** Claims an address's digest for one attempt; undefined when not waiting or claimed by someone else. */
  claimDigest(address: string, now: Date, forMs: number): Promise<MailDigest | undefined>;
  /** The notifications held for an address, oldest first, at most `limit`, and whether more wait. */
  heldMail(address: string, limit: number): Promise<{ items: HeldMail[]; more: boolean }>;
  /** Marks the held notifications sent by the digest `digestId` and takes them out of the digest. */
  digestSent(address: string, digestId: string, items: HeldMail[], now: Date): Promise<void>;
  /** Ends held notifications whose digest SES refused, listed for operators with the reason. */
  digestRefused(address: string, items: HeldMail[], now: Date, reason: string): Promise<void>;
  /** Sets the digest's next attempt (a busy hour, a failure or a throttle); a counter, when given, goes up by one. */
  postponeDigest(address: string, at: Date, counter?: "attempts" | "throttles", error?: string): Promise<void>;
  /** Leaves the due index when nothing was held since the claim saw `holds`; else stays due now for the newcomers. */
  finishDigest(address: string, holds: number, now: Date): Promise<void>;
}

/** A digest carries at most this many notifications (two writes each in a transaction of at most 100); more wait for the next. */
export const DIGEST_MAX_ITEMS = 40;

export class DynamoOutboxStore extends DynamoMailDigests implements OutboxStore {
  async claim(id: string, now: Date, forMs: number) {
    try {
      const out = await this.table.ddb.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: keys.notification(id),
          UpdateExpression: "SET claimedUntil = :until",
          // Only one deliverer at a time: two overlapping ticks never send the same mail twice.
          ConditionExpression: "#status = :pending AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":pending": "pending",
            ":now": now.toISOString(),
            ":until": new Date(now.getTime() + forMs).toISOString(),
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      return strip<OutboxNotification>(out.Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async markSent(id: string, now: Date) {
    await this.table.ddb.send(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: keys.notification(id),
        UpdateExpression:
          "SET #status = :sent, sentAt = :now, attempts = attempts + :one REMOVE duePk, dueSk, claimedUntil",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":sent": "sent", ":now": now.toISOString(), ":one": 1 },
      }),
    );
  }

  async retryLater(id: string, _now: Date, error: string, retryAt: Date, counter: "attempts" | "throttles") {
    const due = dueKeys("NOTIFY", id, retryAt);
    await this.table.ddb
      .send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: keys.notification(id),
          UpdateExpression:
            "SET lastError = :error, #counter = if_not_exists(#counter, :zero) + :one, nextAttemptAt = :next, dueSk = :dueSk REMOVE claimedUntil",
          ConditionExpression: "#status = :pending",
          ExpressionAttributeNames: { "#counter": counter, "#status": "status" },
          ExpressionAttributeValues: {
            ":one": 1,
            ":zero": 0,
            ":error": error.slice(0, 500),
            ":next": retryAt.toISOString(),
            ":dueSk": due.dueSk,
            ":pending": "pending",
          },
        }),
      )
      .catch((e: unknown) => {
        if (!isConditionFailure(e)) throw e;
      });
  }

  async markFailed(id: string, now: Date, reason: string) {
    await this.table.ddb.send(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: keys.notification(id),
        ...this.failedUpdate(id, now, reason),
      }),
    );
  }

  async due(now: Date, limit: number) {
    return (await dueEntries(this.table, "NOTIFY", now, limit)).map((entry) => entry.item.id as string);
  }

  async get(id: string) {
    const out = await this.table.ddb.send(
      new GetCommand({ TableName: this.table.tableName, Key: keys.notification(id), ConsistentRead: true }),
    );
    return strip<OutboxNotification>(out.Item);
  }

  async failed(limit: number) {
    const out = await this.table.ddb.send(
      new QueryCommand({
        TableName: this.table.tableName,
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :pk",
        ExpressionAttributeValues: { ":pk": keys.failedNotifications },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((i) => strip<OutboxNotification>(i)!);
  }

  async takeSendSlot(
    address: string,
    id: string,
    now: Date,
    limit: number,
    options: { digest?: boolean } = {},
  ): Promise<SendSlot> {
    // Optimistic: read the mails of the last hour, write them back with this one only if nobody wrote in between.
    return untilWon<SendSlot>(
      async () => {
        const out = await this.table.ddb.send(
          new GetCommand({ TableName: this.table.tableName, Key: keys.mailRate(address), ConsistentRead: true }),
        );
        const sends = (out.Item?.sends as { at: string; id: string }[] | undefined) ?? [];
        const version = (out.Item?.version as number | undefined) ?? 0;
        const slot = sendSlot(sends, now, limit);
        if (!slot.free) return slot;
        // While a digest waits, new notifications join it: they never overtake it, so it cannot starve.
        if (out.Item?.digestWaiting && !options.digest) return { free: false, freeAt: now };
        const written = await this.conditional({
          TableName: this.table.tableName,
          Key: keys.mailRate(address),
          UpdateExpression: "SET sends = :sends, version = :next",
          // Rule: at most `limit` mails to one address in any hour; a concurrent send makes this one read again.
          ConditionExpression: "attribute_not_exists(version) OR version = :version",
          ExpressionAttributeValues: {
            ":sends": [...slot.kept, { at: now.toISOString(), id }],
            ":next": version + 1,
            ":version": version,
          },
        });
        return written ? { free: true } : undefined;
      },
      { tries: 50, pauseMs: (attempt) => Math.min(200, 5 * 2 ** attempt) },
      () => {
        throw Object.assign(new Error("the address's hourly mail counter is too contended; retried later"), {
          name: "MailRateContention",
        });
      },
    );
  }

  /** One conditional UpdateItem: false when its condition failed. */
  private async conditional(update: ConstructorParameters<typeof UpdateCommand>[0]): Promise<boolean> {
    try {
      await this.table.ddb.send(new UpdateCommand(update));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async releaseSendSlot(address: string, id: string) {
    await untilWon<true>(
      async () => {
        const out = await this.table.ddb.send(
          new GetCommand({ TableName: this.table.tableName, Key: keys.mailRate(address), ConsistentRead: true }),
        );
        const sends = (out.Item?.sends as { at: string; id: string }[] | undefined) ?? [];
        if (!sends.some((s) => s.id === id)) return true;
        const written = await this.conditional({
          TableName: this.table.tableName,
          Key: keys.mailRate(address),
          UpdateExpression: "SET sends = :sends, version = :next",
          ConditionExpression: "version = :version",
          ExpressionAttributeValues: {
            ":sends": sends.filter((s) => s.id !== id),
            ":next": (out.Item!.version as number) + 1,
            ":version": out.Item!.version,
          },
        });
        return written || undefined;
      },
      { tries: 20 },
      () => true,
    );
  }
}

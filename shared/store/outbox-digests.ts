// The outbox's digests: mail over an address's hourly limit is held for that address's one digest, which is claimed,
// sent and finished like a notification. DynamoOutboxStore extends this part.
import { QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { HeldMail, Mail } from "../mail/templates";
import { isConditionFailure, strip, type TableRef } from "./dynamo";
import { dueEntries, dueKeys } from "./due";
import { keys } from "./keys";
import type { MailDigest, OutboxNotification } from "./outbox-items";
import { transact, transactOrFalse, transactWrite } from "./transact";

export class DynamoMailDigests {
  constructor(protected readonly table: TableRef) {}

  /** The update that ends a notification and lists it on gsi1 for operators. */
  protected failedUpdate(id: string, now: Date, reason: string) {
    return {
      UpdateExpression:
        "SET #status = :failed, lastError = :error, failedAt = :now, gsi1pk = :failedPk, gsi1sk = :failedSk REMOVE duePk, dueSk, claimedUntil",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":failed": "failed",
        ":error": reason.slice(0, 500),
        ":now": now.toISOString(),
        ":failedPk": keys.failedNotifications,
        ":failedSk": `${now.toISOString()}#${id}`,
      },
    };
  }

  async hold(note: OutboxNotification, mail: Mail, freeAt: Date, now: Date) {
    const held: HeldMail = {
      id: note.id,
      kind: note.kind,
      createdAt: note.createdAt,
      subject: mail.subject,
      text: mail.text,
    };
    const due = dueKeys("DIGEST", mail.to.toLowerCase(), freeAt);
    return transactOrFalse(this.table, [
      {
        Update: {
          TableName: this.table.tableName,
          Key: keys.notification(note.id),
          UpdateExpression: "SET #status = :held, heldFor = :address, heldAt = :now REMOVE duePk, dueSk, claimedUntil",
          // Only the deliverer that still holds the claim moves it: it is held once, and never also sent alone.
          ConditionExpression: "#status = :pending AND claimedUntil = :claim",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":held": "held",
            ":pending": "pending",
            ":address": mail.to,
            ":now": now.toISOString(),
            ":claim": note.claimedUntil ?? "",
          },
        },
      },
      {
        Put: {
          TableName: this.table.tableName,
          Item: { ...keys.heldMail(mail.to, note.createdAt, note.id), ...held },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      {
        Update: {
          TableName: this.table.tableName,
          Key: keys.mailDigest(mail.to),
          // `holds` versions the digest: a digest sent meanwhile sees it changed and stays due for this one.
          UpdateExpression:
            "SET address = :address, duePk = :duePk, dueSk = if_not_exists(dueSk, :dueSk), nextAttemptAt = if_not_exists(nextAttemptAt, :at) ADD holds :one",
          ExpressionAttributeValues: {
            ":address": mail.to,
            ":duePk": due.duePk,
            ":dueSk": due.dueSk,
            ":at": freeAt.toISOString(),
            ":one": 1,
          },
        },
      },
      {
        Update: {
          TableName: this.table.tableName,
          Key: keys.mailRate(mail.to),
          UpdateExpression: "SET digestWaiting = :true",
          ExpressionAttributeValues: { ":true": true },
        },
      },
    ]);
  }

  async dueDigests(now: Date, limit: number) {
    return (await dueEntries(this.table, "DIGEST", now, limit)).map((entry) => entry.item.address as string);
  }

  async claimDigest(address: string, now: Date, forMs: number) {
    try {
      const out = await this.table.ddb.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: keys.mailDigest(address),
          UpdateExpression: "SET claimedUntil = :until",
          // One deliverer at a time: two overlapping ticks never send the same digest twice.
          ConditionExpression:
            "attribute_exists(dueSk) AND nextAttemptAt <= :now AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)",
          ExpressionAttributeValues: {
            ":now": now.toISOString(),
            ":until": new Date(now.getTime() + forMs).toISOString(),
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      return strip<MailDigest>(out.Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async heldMail(address: string, limit: number) {
    const out = await this.table.ddb.send(
      new QueryCommand({
        TableName: this.table.tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": keys.heldMailPartition(address).pk, ":prefix": keys.heldMailPrefix },
        ConsistentRead: true,
        Limit: limit + 1,
      }),
    );
    const items = (out.Items ?? []).map((i) => strip<HeldMail>(i)!);
    return { items: items.slice(0, limit), more: items.length > limit };
  }

  async digestSent(address: string, digestId: string, items: HeldMail[], now: Date) {
    await this.endHeld(address, items, (held) => ({
      UpdateExpression: "SET #status = :sent, sentAt = :now, digestId = :digest",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":sent": "sent", ":now": now.toISOString(), ":digest": digestId },
      held,
    }));
  }

  async digestRefused(address: string, items: HeldMail[], now: Date, reason: string) {
    await this.endHeld(address, items, (held) => ({ ...this.failedUpdate(held.id, now, reason), held }));
  }

  /** Updates each held notification and deletes its held item, a few per transaction. */
  private async endHeld(
    address: string,
    items: HeldMail[],
    update: (held: HeldMail) => {
      UpdateExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
      held: HeldMail;
    },
  ) {
    for (let i = 0; i < items.length; i += 25) {
      const chunk = items.slice(i, i + 25);
      await transactWrite(
        this.table,
        chunk.flatMap((held) => {
          const { held: _, ...expression } = update(held);
          return [
            { Update: { TableName: this.table.tableName, Key: keys.notification(held.id), ...expression } },
            { Delete: { TableName: this.table.tableName, Key: keys.heldMail(address, held.createdAt, held.id) } },
          ];
        }),
      );
    }
  }

  async postponeDigest(address: string, at: Date, counter?: "attempts" | "throttles", error?: string) {
    const due = dueKeys("DIGEST", address.toLowerCase(), at);
    await this.table.ddb.send(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: keys.mailDigest(address),
        UpdateExpression: `SET dueSk = :dueSk, nextAttemptAt = :at${error ? ", lastError = :error" : ""}${counter ? ", #counter = if_not_exists(#counter, :zero) + :one" : ""} REMOVE claimedUntil`,
        ExpressionAttributeNames: counter ? { "#counter": counter } : undefined,
        ExpressionAttributeValues: {
          ":dueSk": due.dueSk,
          ":at": at.toISOString(),
          ...(error ? { ":error": error.slice(0, 500) } : {}),
          ...(counter ? { ":zero": 0, ":one": 1 } : {}),
        },
      }),
    );
  }

  async finishDigest(address: string, holds: number, now: Date) {
    const refused = await transact(this.table, [
      {
        Update: {
          TableName: this.table.tableName,
          Key: keys.mailDigest(address),
          UpdateExpression: "REMOVE duePk, dueSk, nextAttemptAt, claimedUntil, attempts, throttles, lastError",
          // A notification held since the claim keeps the digest due, and the address's new mail waiting behind it.
          ConditionExpression: "holds = :holds",
          ExpressionAttributeValues: { ":holds": holds },
        },
      },
      {
        Update: {
          TableName: this.table.tableName,
          Key: keys.mailRate(address),
          UpdateExpression: "REMOVE digestWaiting",
        },
      },
    ]);
    if (refused) await this.postponeDigest(address, now);
  }
}

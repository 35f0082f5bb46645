// Mail test helpers: an SES client with an injected fault (for answers the local SES server never gives), and the outbox notifications of given users.
import { MessageRejected, SESServiceException } from "@aws-sdk/client-ses";
import { inject } from "vitest";
import { makeSesClient, SesMailSender, type LazySes } from "../../shared/mail/sender";
import type { TableRef } from "../../shared/store/dynamo";
import { DynamoOutboxStore, type OutboxNotification } from "../../shared/store/outbox";

/** What SES answers for an address it refuses for good (an unverified or suppressed recipient). */
export const messageRejected = () =>
  new MessageRejected({
    message: "Email address is not verified. The following identities failed the check: x",
    $metadata: { httpStatusCode: 400 },
  });

/** What SES answers over the account's sending rate. */
export const throttling = () =>
  new SESServiceException({
    name: "Throttling",
    $fault: "client",
    message: "Maximum sending rate exceeded.",
    $metadata: { httpStatusCode: 400 },
  });

/**
 * A sender to the real local SES server whose client first asks `fault` about each send: an error
 * returned there is thrown where SES's own answer would arrive (inside the SDK's retry loop).
 */
export function senderWithFault(fault: (to: string[]) => Error | undefined): SesMailSender {
  const real = makeSesClient({ region: "local", endpoint: inject("sesEndpoint") });
  let added = false;
  const ses: LazySes = async () => {
    const made = await real();
    if (!added) {
      added = true;
      made.client.middlewareStack.add(
        (next, _context) => async (args) => {
          const error = fault(
            ((args.input as { Destination?: { ToAddresses?: string[] } }).Destination?.ToAddresses ?? []) as string[],
          );
          if (error) throw error;
          return next(args);
        },
        { step: "deserialize", name: "injectSesFault" },
      );
    }
    return made;
  };
  return new SesMailSender(ses, "no-reply@example.com");
}

/** The outbox notifications addressed to these users that are waiting for delivery (found on the due index, as the trigger finds them). */
export async function pendingFor(table: TableRef, now: Date, userIds: string[]): Promise<OutboxNotification[]> {
  const outbox = new DynamoOutboxStore(table);
  const notes = await Promise.all(
    (await outbox.due(new Date(now.getTime() + 365 * 24 * 3600_000), 10_000)).map((id) => outbox.get(id)),
  );
  return notes.filter((n): n is OutboxNotification => !!n && !!n.recipient && userIds.includes(n.recipient.userId));
}

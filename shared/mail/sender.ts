// Sends mail through SES (the local SES server in development and tests); the only SES SDK user.
import type { SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import { headerSafe, invalidAddress, isDeliverableAddress } from "../domain/mail";
import type { Mail } from "./templates";

export interface MailSender {
  send(mail: Mail): Promise<void>;
}

/** The SES client, made on first use: most cold starts send no mail, and loading the SES SDK costs several ms of each. */
export type LazySes = () => Promise<{ client: SESClient; SendEmailCommand: typeof SendEmailCommand }>;

export function makeSesClient(settings: { region: string; endpoint?: string }): LazySes {
  let made: ReturnType<LazySes> | undefined;
  return () =>
    (made ??= import("@aws-sdk/client-ses").then(({ SESClient, SendEmailCommand }) => ({
      SendEmailCommand,
      client: new SESClient({
        region: settings.region,
        maxAttempts: 2,
        // A send ends well within a delivery's claim (60 s), so no second deliverer claims a mail still being sent.
        requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 },
        ...(settings.endpoint
          ? { endpoint: settings.endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } }
          : {}),
      }),
    })));
}

export class SesMailSender implements MailSender {
  constructor(
    private readonly ses: LazySes,
    private readonly from: string,
  ) {}

  /** Refuses, as SES would, an address that could name a second recipient; the subject goes out on one line whatever the caller gave. */
  async send(mail: Mail): Promise<void> {
    if (!isDeliverableAddress(mail.to))
      throw Object.assign(new Error(`not a deliverable address: ${JSON.stringify(mail.to.slice(0, 100))}`), {
        name: invalidAddress,
      });
    const { client, SendEmailCommand } = await this.ses();
    await client.send(
      new SendEmailCommand({
        Source: this.from,
        Destination: { ToAddresses: [mail.to] },
        Message: {
          Subject: { Data: headerSafe(mail.subject), Charset: "UTF-8" },
          Body: { Text: { Data: mail.text, Charset: "UTF-8" }, Html: { Data: mail.html, Charset: "UTF-8" } },
        },
      }),
    );
  }
}

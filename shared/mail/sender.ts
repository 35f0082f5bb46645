// Sends mail through SES (the local SES server in development and tests); the only SES SDK user.
import type { SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
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

  async send(mail: Mail): Promise<void> {
    const { client, SendEmailCommand } = await this.ses();
    await client.send(
      new SendEmailCommand({
        Source: this.from,
        Destination: { ToAddresses: [mail.to] },
        Message: {
          Subject: { Data: mail.subject, Charset: "UTF-8" },
          Body: { Text: { Data: mail.text, Charset: "UTF-8" }, Html: { Data: mail.html, Charset: "UTF-8" } },
        },
      }),
    );
  }
}

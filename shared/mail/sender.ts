// Sends mail through SES (the local SES server in development and tests); the only SES SDK user.
import { SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import type { Mail } from "./templates";

export interface MailSender {
  send(mail: Mail): Promise<void>;
}

export function makeSesClient(settings: { region: string; endpoint?: string }): SESClient {
  return new SESClient({
    region: settings.region,
    maxAttempts: 2,
    ...(settings.endpoint
      ? { endpoint: settings.endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } }
      : {}),
  });
}

export class SesMailSender implements MailSender {
  constructor(
    private readonly ses: SESClient,
    private readonly from: string,
  ) {}

  async send(mail: Mail): Promise<void> {
    await this.ses.send(
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

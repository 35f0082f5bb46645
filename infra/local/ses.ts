// Starts the local SES server (npm package aws-ses-v2-local) in this process; its web page shows the mail it received.
import sesServer from "aws-ses-v2-local";
import { freePort } from "./free-port";
import type { LocalServer } from "./dynamodb";

export async function startSesLocal(options: { port?: number } = {}): Promise<LocalServer> {
  const port = options.port ?? (await freePort());
  // The package is CommonJS with `exports.default`: under tsx the default import is that module object.
  const start = (sesServer as unknown as { default?: typeof sesServer }).default ?? sesServer;
  const server = await start({ host: "127.0.0.1", port });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}

export interface SentMail {
  to: string[];
  subject: string;
  text: string;
  html?: string;
  at: number;
}

/** The mail the local SES server holds, oldest first. */
export async function readMail(sesEndpoint: string): Promise<SentMail[]> {
  const response = await fetch(`${sesEndpoint}/store`);
  const store = (await response.json()) as {
    emails: { destination: { to: string[] }; subject: string; body: { text?: string; html?: string }; at: number }[];
  };
  return store.emails.map((e) => ({
    to: e.destination.to,
    subject: e.subject,
    text: e.body.text ?? "",
    html: e.body.html,
    at: e.at,
  }));
}

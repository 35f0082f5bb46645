// `npm run mail:preview`: writes every notification, rendered with sample data, to .local/mail-preview/ as text and HTML, and prints the paths.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Mail, render, renderDigest, type Notification } from "../../shared/mail/templates";
import { localDir } from "./paths";

const previewDir = join(localDir, "mail-preview");
const day = 24 * 3600 * 1000;
const now = Date.parse("2025-03-14T09:30:00Z");
const at = (days: number) => new Date(now + days * day).toISOString();

const connection = { id: "conn_7Qd2", name: "Plant sync - Building A", imodelName: "Riverside Plant" };
const dana = { email: "dana.okafor@example.com", name: "Dana Okafor" };
const lee = { email: "lee.moreau@example.com", name: "Lee Moreau" };

/** One sample per template and per branch the reader sees: the transfer mail differs with the new owner's token state. */
const samples: Record<string, Notification> = {
  "ownership-transferred-valid-token": {
    kind: "ownershipTransferred",
    to: dana,
    connection,
    by: { userId: "lee", name: lee.name },
    tokenStatus: "valid",
    tokenExpiresAt: at(23),
  },
  "ownership-transferred-expired-token": {
    kind: "ownershipTransferred",
    to: dana,
    connection,
    by: { userId: "lee", name: lee.name },
    tokenStatus: "expired",
  },
  "ownership-taken": { kind: "ownershipTaken", to: lee, connection, by: { userId: "dana", name: dana.name } },
  "token-expiring": { kind: "tokenExpiring", to: dana, expiresAt: at(7), daysLeft: 7, scheduledConnections: 3 },
  "token-expired": { kind: "tokenExpired", to: dana, expiredAt: at(-1), scheduledConnections: 3 },
  "ownership-handed-away": {
    kind: "ownershipHandedAway",
    to: lee,
    connection,
    by: { userId: "sam", name: "Sam Ruiz" },
    newOwner: { userId: "dana" },
  },
  "runs-failing": {
    kind: "runsFailing",
    to: dana,
    connection,
    reason: "OwnerLacksPermission",
    failingSince: at(-2),
  },
};

/** The digest of mails held back over the hourly limit: two of the samples above, as they were held. */
const held = ["ownership-taken", "runs-failing"].map((name, i) => {
  const mail = render(samples[name]!);
  return { id: `note_${i}`, kind: samples[name]!.kind, createdAt: at(-i / 24), subject: mail.subject, text: mail.text };
});
const mails: Record<string, Mail> = {
  ...Object.fromEntries(Object.entries(samples).map(([name, n]) => [name, render(n)])),
  digest: renderDigest(dana.email, held, 10),
};

mkdirSync(previewDir, { recursive: true });
for (const [name, mail] of Object.entries(mails)) {
  const text = join(previewDir, `${name}.txt`);
  const html = join(previewDir, `${name}.html`);
  writeFileSync(text, `To: ${mail.to}\nSubject: ${mail.subject}\n\n${mail.text}`);
  writeFileSync(html, mail.html);
  console.log(`${name.padEnd(36)} ${resolve(text)}\n${"".padEnd(36)} ${resolve(html)}`);
}

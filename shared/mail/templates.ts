// The notifications the service sends, each as a subject, a plain-text body and an HTML body that say what happened and what to do next.
import { headerSafe, oneLine } from "../domain/mail";

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export type Notification =
  | {
      kind: "ownershipTransferred";
      to: { email: string; name?: string };
      connection: { id: string; name: string; imodelName: string };
      by: { userId: string; name?: string };
      tokenStatus: "valid" | "expired" | "unknown";
      tokenExpiresAt?: string;
    }
  | {
      kind: "ownershipTaken";
      to: { email: string; name?: string };
      connection: { id: string; name: string; imodelName: string };
      by: { userId: string; name?: string };
    }
  | {
      kind: "ownershipHandedAway";
      to: { email: string; name?: string };
      connection: { id: string; name: string; imodelName: string };
      by: { userId: string; name?: string };
      newOwner: { userId: string };
    }
  | {
      kind: "runsFailing";
      to: { email: string; name?: string };
      connection: { id: string; name: string; imodelName?: string };
      /** Only reasons `toldFailures` (domain/run-failures.ts) marks as told ever reach a mail; the type is the run's. */
      reason: "OwnerLacksPermission" | "Interrupted" | "OwnerTokenExpired" | "ConnectionDeleted" | "Cancelled";
      failingSince: string;
    }
  | { kind: "tokenExpired"; to: { email: string; name?: string }; expiredAt: string; scheduledConnections: number }
  | {
      kind: "tokenExpiring";
      to: { email: string; name?: string };
      expiresAt: string;
      daysLeft: number;
      scheduledConnections: number;
    };

/** A notification whose recipient is named by user, not yet by address: the address is looked up when it is delivered. */
export type Draft = Notification extends infer N ? (N extends Notification ? Omit<N, "to"> : never) : never;

/** Where a draft goes: a member of an organisation, whose address and name are on their member item. */
export interface Recipient {
  orgId: string;
  userId: string;
}

/** A notification held back over its address's hourly limit, as it will appear in the digest. */
export interface HeldMail {
  id: string;
  kind: string;
  createdAt: string;
  subject: string;
  text: string;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const when = (iso: string) => new Date(iso).toUTCString().replace(" GMT", " UTC");
const hello = (to: { name?: string }) => `Hello ${to.name ?? "there"},`;
const who = (by: { userId: string; name?: string }) => by.name ?? by.userId;
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

const signature = "Twin Access - synchronization notifications";
const why = "You receive this because you own, or owned, a synchronization connection.";

/** What every notification says, in order: what happened, the facts it is about, and what to do next. */
interface Message {
  to: { email: string; name?: string };
  subject: string;
  happened: string[];
  facts?: [label: string, value: string][];
  next: string;
}

function text(m: Message): string {
  const width = Math.max(0, ...(m.facts ?? []).map(([label]) => label.length)) + 2;
  const facts = m.facts?.length
    ? [m.facts.map(([label, value]) => `  ${`${label}:`.padEnd(width)}${value}`).join("\n")]
    : [];
  return `${[hello(m.to), ...m.happened, ...facts, `What to do:\n${m.next}`].join("\n\n")}\n\n-- \n${signature}\n${why}\n`;
}

/** Inline styles only and a single column: mail clients drop style sheets and scripts. */
function html(m: Message): string {
  const p = (s: string) => `<p style="margin:0 0 14px">${escapeHtml(s)}</p>`;
  const facts = m.facts?.length
    ? `<table role="presentation" style="border-collapse:collapse;margin:0 0 16px;font-size:14px">${m.facts
        .map(
          ([label, value]) =>
            `<tr><td style="padding:3px 16px 3px 0;color:#5b6675">${escapeHtml(label)}</td><td style="padding:3px 0;font-weight:600">${escapeHtml(value)}</td></tr>`,
        )
        .join("")}</table>`
    : "";
  const next =
    '<div style="background:#eef4fb;border-left:4px solid #1f6fbf;border-radius:4px;padding:12px 16px;margin:0 0 18px">' +
    `<div style="font-weight:700;margin:0 0 4px">What to do</div>${escapeHtml(m.next)}</div>`;
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(m.subject)}</title></head>` +
    "<body style=\"margin:0;padding:24px;background:#f6f7f9;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:15px;line-height:1.5;color:#1b1b1b\">" +
    '<div style="max-width:560px;margin:0 auto;background:#fff;border:1px solid #d8dee6;border-radius:6px">' +
    '<div style="background:#14324f;color:#fff;padding:14px 24px;border-radius:6px 6px 0 0;font-weight:700">Twin Access <span style="font-weight:400;color:#c9d6e3">· synchronization</span></div>' +
    `<div style="padding:22px 24px 8px">${p(hello(m.to))}${m.happened.map(p).join("")}${facts}${next}</div>` +
    `<div style="padding:12px 24px;border-top:1px solid #e1e6ec;color:#666;font-size:12px"><p style="margin:0">${escapeHtml(signature)}</p><p style="margin:0">${escapeHtml(why)}</p></div>` +
    "</div></body></html>"
  );
}

/**
 * Every template's message, made safe once for all: names users wrote reach the subject and each
 * paragraph on one line with no control character (no header or line can be forged), and the HTML
 * body escapes them.
 */
function mail(m: Message): Mail {
  const safe: Message = {
    to: { email: m.to.email, name: m.to.name === undefined ? undefined : oneLine(m.to.name) },
    subject: headerSafe(m.subject),
    happened: m.happened.map(oneLine),
    facts: m.facts?.map(([label, value]) => [oneLine(label), oneLine(value)]),
    next: oneLine(m.next),
  };
  return { to: m.to.email, subject: safe.subject, text: text(safe), html: html(safe) };
}

/** What a held mail says, without its greeting and signature: the digest has its own. */
const gist = (held: HeldMail) => held.text.split("\n-- \n")[0]!.split("\n\n").slice(1).join("\n\n").trim();

/** One mail carrying the notifications held back over the hourly limit, oldest first. */
export function renderDigest(to: string, items: HeldMail[], perHour: number): Mail {
  const many = count(items.length, "notification");
  const subject = `${many} held back: synchronization notifications digest`;
  const intro = `You received the most mails we send one address in an hour (${perHour}), so the ${many} that followed were held back and gathered here, oldest first.`;
  const next =
    "Nothing more is needed than for each notification below. If these changes are unexpected, talk to the iModel's managers.";
  const textBody = [
    hello({}),
    intro,
    ...items.map((held, i) => `${i + 1}. ${headerSafe(held.subject)} (${when(held.createdAt)})\n\n${gist(held)}`),
    `What to do:\n${next}`,
  ].join("\n\n");
  const sections = items
    .map(
      (held, i) =>
        `<div style="border-top:1px solid #e1e6ec;padding:12px 0 0;margin:0 0 14px"><p style="margin:0 0 6px;font-weight:700">${i + 1}. ${escapeHtml(headerSafe(held.subject))}</p>` +
        `<p style="margin:0 0 6px;color:#5b6675;font-size:13px">${escapeHtml(when(held.createdAt))}</p>` +
        gist(held)
          .split("\n\n")
          .map((para) => `<p style="margin:0 0 8px;white-space:pre-wrap">${escapeHtml(para)}</p>`)
          .join("") +
        "</div>",
    )
    .join("");
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>` +
    "<body style=\"margin:0;padding:24px;background:#f6f7f9;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:15px;line-height:1.5;color:#1b1b1b\">" +
    '<div style="max-width:560px;margin:0 auto;background:#fff;border:1px solid #d8dee6;border-radius:6px"><div style="padding:22px 24px 8px">' +
    `<p style="margin:0 0 14px">${escapeHtml(hello({}))}</p><p style="margin:0 0 14px">${escapeHtml(intro)}</p>${sections}<p style="margin:0 0 14px">${escapeHtml(next)}</p></div>` +
    `<div style="padding:12px 24px;border-top:1px solid #e1e6ec;color:#666;font-size:12px"><p style="margin:0">${escapeHtml(signature)}</p><p style="margin:0">${escapeHtml(why)}</p></div>` +
    "</div></body></html>";
  return { to, subject, text: `${textBody}\n\n-- \n${signature}\n${why}\n`, html };
}

export function render(n: Notification): Mail {
  switch (n.kind) {
    case "ownershipTransferred": {
      const connection = n.connection;
      const valid = n.tokenStatus === "valid";
      const token = valid
        ? `Your synchronization token is valid until ${when(n.tokenExpiresAt!)}, so scheduled runs will go on as before.`
        : `Your synchronization token ${n.tokenStatus === "expired" ? "has expired" : "has not been issued yet"}: scheduled runs of this connection will fail until you start a run manually in the synchronization portal, which renews it.`;
      return mail({
        to: n.to,
        subject: `You now own the connection "${connection.name}"`,
        happened: [
          `${who(n.by)} made you the owner of the synchronization connection "${connection.name}" of the iModel "${connection.imodelName}". From now on its scheduled runs act on your behalf and with your access rights.`,
          token,
        ],
        facts: [
          ["Connection", connection.name],
          ["iModel", connection.imodelName],
          ["Handed over by", who(n.by)],
        ],
        next: valid
          ? "Open the connection in the synchronization portal and start it once, to check that it works with your access rights."
          : "Open the connection in the synchronization portal and start a run now: that renews your token for 30 days, and the scheduled runs work again.",
      });
    }
    case "ownershipTaken":
      return mail({
        to: n.to,
        subject: `${who(n.by)} took ownership of "${n.connection.name}"`,
        happened: [
          `${who(n.by)} took ownership of the synchronization connection "${n.connection.name}" of the iModel "${n.connection.imodelName}". Its scheduled runs no longer act on your behalf.`,
        ],
        facts: [
          ["Connection", n.connection.name],
          ["iModel", n.connection.imodelName],
          ["New owner", who(n.by)],
        ],
        next: "Nothing is needed from you. If you did not expect this, talk to the iModel's managers.",
      });
    case "ownershipHandedAway":
      return mail({
        to: n.to,
        subject: `${who(n.by)} handed your connection "${n.connection.name}" to someone else`,
        happened: [
          `${who(n.by)}, who manages the iModel "${n.connection.imodelName}", made ${n.newOwner.userId} the owner of your synchronization connection "${n.connection.name}". Its scheduled runs no longer act on your behalf.`,
        ],
        facts: [
          ["Connection", n.connection.name],
          ["iModel", n.connection.imodelName],
          ["New owner", n.newOwner.userId],
          ["Handed over by", who(n.by)],
        ],
        next: "Nothing is needed from you. If you did not expect this, talk to the iModel's managers.",
      });
    case "runsFailing": {
      const because =
        n.reason === "Interrupted"
          ? "a run did not finish in time and was stopped (Interrupted)"
          : "you can no longer push changesets to the iModel: you left its team, or you no longer hold Write on it (OwnerLacksPermission)";
      return mail({
        to: n.to,
        subject: `Scheduled runs of "${n.connection.name}" are failing`,
        happened: [
          `The scheduled runs of your synchronization connection "${n.connection.name}" started failing on ${when(n.failingSince)}: ${because}. You get this mail once; the next one comes only if runs fail again after one succeeds.`,
        ],
        facts: [
          ["Connection", n.connection.name],
          ...(n.connection.imodelName ? ([["iModel", n.connection.imodelName]] as [string, string][]) : []),
          ["Reason", n.reason],
        ],
        next:
          n.reason === "Interrupted"
            ? "Start a run manually in the synchronization portal; if it is interrupted again, contact support."
            : "Ask the iModel's managers for Write, or hand the connection to a team member who has it.",
      });
    }
    case "tokenExpired":
      return mail({
        to: n.to,
        subject: "Your scheduled synchronizations will fail: token expired",
        happened: [
          `Your synchronization token expired on ${when(n.expiredAt)}. You own ${count(n.scheduledConnections, "scheduled connection")}; ${n.scheduledConnections === 1 ? "its scheduled runs act" : "their scheduled runs act"} with this token, so they fail until you have a new one.`,
        ],
        next: "Visit the synchronization portal, or start any of your connections manually: either gives you a new token, valid for 30 days.",
      });
    case "tokenExpiring":
      return mail({
        to: n.to,
        subject: `Your synchronization token expires in ${n.daysLeft} day(s)`,
        happened: [
          `Your synchronization token expires on ${when(n.expiresAt)}, in ${count(n.daysLeft, "day")}. The scheduled runs of your ${count(n.scheduledConnections, "scheduled connection")} act with it and will fail once it has expired.`,
        ],
        next: "Visit the synchronization portal before then: a visit in the last 10 days before expiry renews the token for 30 days.",
      });
  }
}

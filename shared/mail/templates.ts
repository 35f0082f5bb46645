// The notifications the service sends, each as a subject, a plain-text body and an HTML body that say what happened and what to do next.

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
  | { kind: "tokenExpired"; to: { email: string; name?: string }; expiredAt: string; scheduledConnections: number }
  | { kind: "tokenExpiring"; to: { email: string; name?: string }; expiresAt: string; daysLeft: number; scheduledConnections: number };

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const when = (iso: string) => new Date(iso).toUTCString().replace(" GMT", " UTC");
const hello = (to: { name?: string }) => `Hello ${to.name ?? "there"},`;
const who = (by: { userId: string; name?: string }) => by.name ?? by.userId;

function html(paragraphs: string[]): string {
  const body = paragraphs.map((p) => `<p style="margin:0 0 12px">${escape(p)}</p>`).join("");
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;font-size:15px;line-height:1.5;color:#1b1b1b;max-width:560px">${body}<p style="color:#666;font-size:12px">Twin Access - synchronization notifications</p></body></html>`;
}

function mail(to: string, subject: string, paragraphs: string[]): Mail {
  return { to, subject, text: `${paragraphs.join("\n\n")}\n\n-- \nTwin Access - synchronization notifications\n`, html: html(paragraphs) };
}

export function render(n: Notification): Mail {
  switch (n.kind) {
    case "ownershipTransferred": {
      const token =
        n.tokenStatus === "valid"
          ? `Your synchronization token is valid until ${when(n.tokenExpiresAt!)}, so scheduled runs will go on as before.`
          : `Your synchronization token is ${n.tokenStatus}: scheduled runs of this connection will fail until you start a run manually in the synchronization portal, which renews it.`;
      return mail(n.to.email, `You now own the connection "${n.connection.name}"`, [
        hello(n.to),
        `${who(n.by)} made you the owner of the synchronization connection "${n.connection.name}" of the iModel "${n.connection.imodelName}". Its scheduled runs now act on your behalf and with your access rights.`,
        token,
        "We recommend you open the connection in the synchronization portal and start it once now.",
      ]);
    }
    case "ownershipTaken":
      return mail(n.to.email, `${who(n.by)} took ownership of "${n.connection.name}"`, [
        hello(n.to),
        `${who(n.by)} took ownership of the synchronization connection "${n.connection.name}" of the iModel "${n.connection.imodelName}". Its scheduled runs no longer act on your behalf.`,
        "Nothing is needed from you. If this is unexpected, talk to the iModel's managers.",
      ]);
    case "tokenExpired":
      return mail(n.to.email, "Your scheduled synchronizations will fail: token expired", [
        hello(n.to),
        `Your synchronization token expired on ${when(n.expiredAt)}. You own ${n.scheduledConnections} scheduled connection(s); their scheduled synchronizations will fail until you visit the synchronization portal or start a run.`,
        "Visit the portal (or start any of your connections manually) to get a new token valid for 30 days.",
      ]);
    case "tokenExpiring":
      return mail(n.to.email, `Your synchronization token expires in ${n.daysLeft} day(s)`, [
        hello(n.to),
        `Your synchronization token expires on ${when(n.expiresAt)}. You own ${n.scheduledConnections} scheduled connection(s) that run with it.`,
        "Visit the synchronization portal before then: a visit in the last 10 days renews the token for 30 days.",
      ]);
  }
}

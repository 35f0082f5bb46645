// Safe retries (Idempotency-Key): what a request leaves behind so that its retry answers the same, and the rules that read it.

/** How long a key is remembered: a client retries within minutes; a day covers a long outage. */
export const RECEIPT_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * What a request sent with an Idempotency-Key leaves behind: its answer (status and body), kept until
 * `expiresAt`. `scope` names the caller and the key, `fingerprint` the request (operation, path and body).
 */
export interface Receipt {
  scope: string;
  fingerprint: string;
  status: number;
  body: unknown;
  expiresAt: string;
}

/**
 * Handed by the HTTP layer to a use case of a route that declares `idempotent`: the use case asks it for the
 * receipt of the answer it is about to give and passes that to the store, which writes it in the same
 * transaction as the creation (so no crash records a key without its effect, or an effect without its key).
 */
export interface Idempotency {
  receipt(body: unknown): Receipt;
}

/** What a stored receipt means for a request with the same scope: answer it again, refuse (422), or act (none or expired). */
export function judgeReceipt(stored: Receipt | undefined, fingerprint: string, now: Date): "act" | "replay" | "reused" {
  if (!stored || Date.parse(stored.expiresAt) <= now.getTime()) return "act";
  return stored.fingerprint === fingerprint ? "replay" : "reused";
}

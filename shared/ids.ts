// Identifiers the service mints: a readable prefix and 128 random bits, or derived from an Idempotency-Key so a retry finds its first result.
import { createHash, randomBytes } from "node:crypto";

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString("base64url")}`;
}

/** The same caller retrying with the same key gets the same id, so the conditional create finds the first attempt. */
export function idFor(prefix: string, idempotencyKey: string | undefined, ...scope: string[]): string {
  if (!idempotencyKey) return newId(prefix);
  const digest = createHash("sha256")
    .update([...scope, idempotencyKey].join("\u0000"))
    .digest("base64url");
  return `${prefix}_${digest.slice(0, 22)}`;
}

/** An id that the same facts always produce: notifications and scheduled runs use it, so a repeated tick finds the first one. */
export function derivedId(prefix: string, ...parts: string[]): string {
  return `${prefix}_${createHash("sha256").update(parts.join("\u0000")).digest("base64url").slice(0, 22)}`;
}

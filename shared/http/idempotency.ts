// Safe retries: a route that declares `idempotent` answers a retried request (same caller, key and request) as it answered
// the first, and refuses the key with another request (422). docs/decisions.md, "Idempotency-Key".
import { createHash } from "node:crypto";
import * as z from "zod";
import type { Clock } from "../clock";
import { judgeReceipt, RECEIPT_TTL_MS, type Idempotency, type Receipt } from "../domain/idempotency";
import { type AppError, idempotencyKeyReused, invalidInput, isAppError } from "../errors";
import { ReceiptTaken, type ReceiptStore } from "../store/idempotency";
import type { Answer } from "./answer";
import type { RouteDef } from "./route";

/** Where the HTTP layer keeps receipts, and the clock their expiry is read with. */
export interface Receipts {
  store: ReceiptStore;
  clock: Clock;
}

export const IDEMPOTENCY_HEADER = "Idempotency-Key";

/** The header as the OpenAPI document describes it; the handler validates it with the same bounds. */
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces");

/** The key sent with the request, validated; undefined when none was sent. */
export function idempotencyKeyOf(headers: Record<string, string | undefined>): string | undefined {
  const raw = headers[IDEMPOTENCY_HEADER.toLowerCase()];
  if (raw === undefined) return undefined;
  const parsed = idempotencyKeySchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const reason = parsed.error.issues[0]?.message ?? "invalid";
  throw invalidInput(`Invalid header.${IDEMPOTENCY_HEADER}: ${reason}`, {
    fields: [{ field: `header.${IDEMPOTENCY_HEADER}`, reason }],
  });
}

/** JSON with object keys sorted: two bodies that differ only in key order are the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

const digest = (...parts: string[]) => createHash("sha256").update(parts.join("\u0000")).digest("base64url");

/** A key belongs to its caller: another user's same key is another key. */
export const receiptScope = (userId: string, key: string): string => digest(userId, key);

/** The request a key was first sent with: the operation, its path parameters and its validated body. */
export const requestFingerprint = (routeId: string, params: unknown, body: unknown): string =>
  digest(routeId, canonical(params ?? {}), canonical(body ?? null));

const ATTEMPTS = 4;

const replay = (receipt: Receipt): Answer => ({
  status: receipt.status,
  ...(receipt.body === null ? {} : { body: receipt.body }),
  headers: { "idempotent-replayed": "true" },
});

/**
 * Answers an idempotent request: a live receipt of the same request answers again, one of another request is a 422;
 * otherwise the request acts, and its receipt is written in the creation's transaction (the use case passes
 * `once.receipt(answer)` to its store) or, where the use case wrote none (ids derived from the key make those
 * creations idempotent by themselves), right after it. A request that loses a race to another with the same key
 * (a rule's 409, a conflict, a refused receipt) finds the winner's receipt and answers it.
 */
export async function idempotently(
  receipts: Receipts,
  request: { route: RouteDef; userId: string; key: string; params: unknown; body: unknown },
  act: (once: Idempotency) => Promise<Answer>,
  asAppError: (error: unknown) => AppError,
): Promise<Answer> {
  const scope = receiptScope(request.userId, request.key);
  const fingerprint = requestFingerprint(request.route.id, request.params, request.body);
  for (let attempt = 1; ; attempt++) {
    const now = receipts.clock.now();
    const stored = await receipts.store.find(scope);
    const verdict = judgeReceipt(stored, fingerprint, now);
    if (verdict === "replay") return replay(stored!);
    if (verdict === "reused") throw idempotencyKeyReused();

    const expiresAt = new Date(now.getTime() + RECEIPT_TTL_MS).toISOString();
    let written = false;
    const once: Idempotency = {
      receipt: (body) => {
        written = true;
        return { scope, fingerprint, status: request.route.success.status, body: body ?? null, expiresAt };
      },
    };
    try {
      const answer = await act(once);
      if (written) return answer;
      const receipt = { scope, fingerprint, status: answer.status, body: answer.body ?? null, expiresAt };
      // Recorded, or another request with the key recorded first: the next round answers theirs.
      if ((await receipts.store.record(receipt)) || attempt >= ATTEMPTS) return answer;
    } catch (error) {
      if (attempt >= ATTEMPTS) throw error instanceof ReceiptTaken ? asAppError(undefined) : error;
      if (error instanceof ReceiptTaken) continue;
      const status = asAppError(error).status;
      // Only a lost race is worth another look: a rule refused it (409) or the write collided (503).
      if (status !== 409 && status !== 503) throw error;
      const after = await receipts.store.find(scope);
      if (judgeReceipt(after, fingerprint, receipts.clock.now()) !== "act") continue;
      if (!isAppError(error, "ConcurrentChange") && status !== 503) throw error;
      await new Promise((r) => setTimeout(r, (5 + Math.random() * 20) * attempt));
    }
  }
}

// The rules of mail delivery as data: which SES errors end a mail, how long to wait before the next attempt, how many mails one address gets an hour, and what user text may carry into a mail.

/**
 * What an SES error means for the mail. Section 3: only SES's permanent refusal of an address ends a
 * mail; everything else (throttling, 5xx, network, a paused account an operator will fix) is retried
 * without limit.
 */
export type SesErrorClass = "refused" | "throttled" | "transient";

/** SES error names (SendEmail, v1 and v2 APIs) that refuse the address or the message for good. */
export const refusingErrors: readonly string[] = ["MessageRejected", "InvalidAddress"];

/** SES error names that only say "too fast for now": retried, and never counted as a failed attempt. */
export const throttlingErrors: readonly string[] = [
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "LimitExceededException",
  "SlowDown",
];

/** The name SES (and our own address check) gives an address that is not one. */
export const invalidAddress = "InvalidAddress";

interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export function classifySesError(error: unknown): SesErrorClass {
  const { name = "", message = "", $metadata } = (error ?? {}) as SdkError;
  if (refusingErrors.includes(name)) return "refused";
  // SES answers an address it cannot parse with InvalidParameterValue ("Illegal address", "Missing final '@domain'").
  if (name === "InvalidParameterValue" && /address|@domain/i.test(message)) return "refused";
  if (throttlingErrors.includes(name) || $metadata?.httpStatusCode === 429) return "throttled";
  return "transient";
}

/** What an operator reads about a mail that ended: SES's own name and words, bounded. */
export const sesReason = (error: unknown): string => {
  const { name, message } = (error ?? {}) as SdkError;
  return `${name || "Error"}: ${message || String(error)}`.slice(0, 500);
};

/** The longest wait between two attempts of one mail: an outage of any length delays mail by at most this after it ends. */
export const maxRetryDelayMs = 60 * 60_000;

/** 1, 2, 4 … minutes after the n-th consecutive failure (or throttle), at most an hour. */
export const retryDelayMs = (failures: number): number =>
  Math.min(maxRetryDelayMs, 2 ** Math.min(30, Math.max(0, failures - 1)) * 60_000);

/** The window over which one address gets at most `mailPerHour` mails (config `MAIL_MAX_PER_HOUR`): a sliding hour. */
export const rateWindowMs = 60 * 60_000;

/**
 * Whether one more mail may go to an address that received the mails `sent` (each at an ISO instant):
 * yes while fewer than `limit` fall in the last hour (`kept`: those, the rest have left the window);
 * otherwise the moment the oldest that counts leaves it. A sliding hour, not a clock hour, so two
 * hours' worth never arrive in the minutes around a full hour.
 */
export function sendSlot<T extends { at: string }>(
  sent: readonly T[],
  now: Date,
  limit: number,
): { free: true; kept: T[] } | { free: false; freeAt: Date } {
  const since = now.getTime() - rateWindowMs;
  const kept = sent.filter((s) => Date.parse(s.at) > since).sort((a, b) => a.at.localeCompare(b.at));
  if (kept.length < limit) return { free: true, kept };
  return { free: false, freeAt: new Date(Date.parse(kept[kept.length - limit]!.at) + rateWindowMs) };
}

/** Control characters (C0, DEL, C1) and the Unicode line and paragraph separators: none may reach a header or break a line. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const lineBreaking = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/gu;

/** User text on one line: every run of control characters becomes one space. */
export const oneLine = (s: string): string => s.replace(lineBreaking, " ");

/** A header value (the subject): one line, no control character, no run of spaces, at most 200 characters. */
export const headerSafe = (s: string): string => oneLine(s).replace(/ {2,}/g, " ").trim().slice(0, 200);

/** An address SES can be given: one line, one @, no space, no angle brackets or commas that would name a second recipient. */
export const isDeliverableAddress = (address: string): boolean =>
  address.length <= 254 &&
  // biome-ignore lint/suspicious/noControlCharactersInRegex: an address must carry no control character
  /^[^\s@<>,;:"()[\]\\\u0000-\u001f\u007f]+@[^\s@<>,;:"()[\]\\\u0000-\u001f\u007f]+\.[^\s@<>,;:"()[\]\\\u0000-\u001f\u007f]+$/u.test(
    address,
  );

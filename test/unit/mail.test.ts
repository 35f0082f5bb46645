// The mail delivery rules, row by row: which SES errors end a mail, the retry delays, the hourly limit's sliding window and what user text may carry into a header.
import { describe, expect, it } from "vitest";
import {
  classifySesError,
  headerSafe,
  isDeliverableAddress,
  maxRetryDelayMs,
  oneLine,
  retryDelayMs,
  sendSlot,
} from "../../shared/domain/mail";

const sdkError = (name: string, message = "", httpStatusCode?: number) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });

describe("SES errors", () => {
  it.each([
    ["MessageRejected", "Email address is not verified.", 400, "refused"],
    ["InvalidAddress", "not a deliverable address", undefined, "refused"],
    ["InvalidParameterValue", "Missing final '@domain'", 400, "refused"],
    ["InvalidParameterValue", "Illegal address", 400, "refused"],
    ["InvalidParameterValue", "Value null at 'message.subject' failed", 400, "transient"],
    ["Throttling", "Maximum sending rate exceeded.", 400, "throttled"],
    ["Throttling", "Daily message quota exceeded.", 400, "throttled"],
    ["TooManyRequestsException", "", 429, "throttled"],
    ["SomethingNew", "", 429, "throttled"],
    ["InternalFailure", "", 500, "transient"],
    ["ServiceUnavailable", "", 503, "transient"],
    ["AccountSendingPausedException", "sending paused", 400, "transient"],
    ["TimeoutError", "socket hang up", undefined, "transient"],
  ] as const)("%s (%s, %s) is %s", (name, message, status, expected) => {
    expect(classifySesError(sdkError(name, message, status))).toBe(expected);
  });

  it("a network error with no SES answer at all is transient", () => {
    expect(
      classifySesError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" })),
    ).toBe("transient");
  });
});

describe("retry delays", () => {
  it("double from one minute and never exceed an hour, however many failures", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelayMs(n) / 60_000)).toEqual([1, 2, 4, 8, 16, 32, 60, 60]);
    expect(retryDelayMs(10_000)).toBe(maxRetryDelayMs);
    expect(maxRetryDelayMs).toBe(60 * 60_000);
  });
});

describe("the hourly limit of one address", () => {
  const now = new Date("2026-01-01T12:00:00.000Z");
  const at = (minutesAgo: number) => ({ at: new Date(now.getTime() - minutesAgo * 60_000).toISOString() });

  it("gives a slot while fewer than the limit fall in the last hour, forgetting older mails", () => {
    const slot = sendSlot([at(70), at(61), at(59), at(1)], now, 3);
    expect(slot).toEqual({ free: true, kept: [at(59), at(1)] });
  });

  it("at the limit, says when the oldest mail that counts leaves the hour: a sliding hour, not a clock hour", () => {
    const slot = sendSlot([at(1), at(50), at(20)], now, 3);
    expect(slot).toEqual({ free: false, freeAt: new Date(now.getTime() + 10 * 60_000) });
    expect(sendSlot([at(1), at(50), at(20)], new Date(now.getTime() + 10 * 60_000), 3).free).toBe(true);
  });
});

describe("user text in headers", () => {
  it.each([
    ["x\r\nBcc: victim@example.com", "x Bcc: victim@example.com"],
    ["a\u2028b\u2029c\u0085d\u0000e\u007ff", "a b c d e f"],
    ["  tabs\t\tand  spaces ", "tabs and spaces"],
  ])("%j becomes the header %j", (raw, header) => {
    expect(headerSafe(raw)).toBe(header);
  });

  it("keeps a header to 200 characters", () => {
    expect(headerSafe("x".repeat(500))).toHaveLength(200);
  });

  it("puts a body paragraph on one line without touching printable text", () => {
    expect(oneLine('<b>"Unit 1"</b>\n\nSecond')).toBe('<b>"Unit 1"</b> Second');
  });

  it.each([
    ["ann@example.com", true],
    ["ann+tag@sub.example.co", true],
    ["ann@example.com\r\nBcc: victim@example.com", false],
    ["ann@example.com, victim@example.com", false],
    ["Ann <ann@example.com>", false],
    ["ann@localhost", false],
    ["not-an-address", false],
  ])("%j is deliverable: %s", (address, ok) => {
    expect(isDeliverableAddress(address)).toBe(ok);
  });
});

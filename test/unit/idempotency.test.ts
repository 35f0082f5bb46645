import { describe, expect, it } from "vitest";
import { judgeReceipt, type Receipt } from "../../shared/domain/idempotency";

const now = new Date("2026-01-01T12:00:00Z");
const receipt = (fingerprint: string, expiresAt: string): Receipt => ({
  scope: "s",
  fingerprint,
  status: 201,
  body: { id: "x" },
  expiresAt,
});

describe("a stored Idempotency-Key receipt", () => {
  it("lets the first request act", () => {
    expect(judgeReceipt(undefined, "f", now)).toBe("act");
  });
  it("answers a retry of the same request again", () => {
    expect(judgeReceipt(receipt("f", "2026-01-02T12:00:00Z"), "f", now)).toBe("replay");
  });
  it("refuses the same key with another request", () => {
    expect(judgeReceipt(receipt("f", "2026-01-02T12:00:00Z"), "g", now)).toBe("reused");
  });
  it("is forgotten once expired, even before DynamoDB's TTL removed it", () => {
    expect(judgeReceipt(receipt("f", "2026-01-01T12:00:00Z"), "g", now)).toBe("act");
  });
});

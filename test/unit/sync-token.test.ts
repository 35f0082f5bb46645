// The owner token rules of the seed: 30 days, renewed in the last 10 on a visit, issued anew when unknown or expired.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hearsAboutToken, tokenStatus, visit, warningTimes, type SyncToken } from "../../shared/domain/sync-token";

const DAY = 24 * 60 * 60 * 1000;
const t0 = new Date("2026-01-01T00:00:00Z");
const at = (days: number) => new Date(t0.getTime() + days * DAY);

describe("sync token", () => {
  it("is issued for 30 days on the first visit", () => {
    const { token, outcome } = visit(undefined, "u", t0);
    expect(outcome).toBe("issued");
    expect(token.expiresAt).toBe(at(30).toISOString());
    expect(tokenStatus(token, at(29.99))).toBe("valid");
    expect(tokenStatus(token, at(30))).toBe("expired");
    expect(tokenStatus(undefined, t0)).toBe("unknown");
  });

  it("does not change on a visit with more than 10 days left", () => {
    const { token } = visit(undefined, "u", t0);
    expect(visit(token, "u", at(19.9))).toEqual({ token, outcome: "unchanged" });
  });

  it("is renewed to 30 days from the visit in its last 10 days", () => {
    const { token } = visit(undefined, "u", t0);
    const renewed = visit(token, "u", at(25));
    expect(renewed.outcome).toBe("renewed");
    expect(renewed.token.expiresAt).toBe(at(55).toISOString());
    expect(renewed.token.issuedAt).toBe(token.issuedAt);
  });

  it("is issued anew once expired", () => {
    const { token } = visit(undefined, "u", t0);
    const again = visit(token, "u", at(31));
    expect(again.outcome).toBe("issued");
    expect(again.token.expiresAt).toBe(at(61).toISOString());
  });

  it("after any visit is valid for more than 10 and at most 30 days", () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: -60, max: 30 })),
        fc.integer({ min: 0, max: 100 }),
        (expiresInDays, visitDay) => {
          const now = at(visitDay);
          const before: SyncToken | undefined =
            expiresInDays === null
              ? undefined
              : {
                  userId: "u",
                  issuedAt: t0.toISOString(),
                  expiresAt: new Date(now.getTime() + expiresInDays * DAY).toISOString(),
                };
          const { token } = visit(before, "u", now);
          const left = (Date.parse(token.expiresAt) - now.getTime()) / DAY;
          expect(left).toBeGreaterThan(10);
          expect(left).toBeLessThanOrEqual(30);
        },
      ),
    );
  });

  it("warns 7 and 1 days before expiry by default", () => {
    const { token } = visit(undefined, "u", t0);
    expect(warningTimes(token, [1, 7])).toEqual([
      { days: 7, at: at(23) },
      { days: 1, at: at(29) },
    ]);
  });
});

describe("who hears about their token", () => {
  it("only an owner of at least one scheduled connection, at an address the service knows", () => {
    expect(hearsAboutToken({ scheduledConnections: 1, email: "o@example.com" })).toBe(true);
    expect(hearsAboutToken({ scheduledConnections: 0, email: "o@example.com" })).toBe(false);
    expect(hearsAboutToken({ scheduledConnections: 3 })).toBe(false);
    expect(hearsAboutToken({ scheduledConnections: 3, email: "" })).toBe(false);
  });
});

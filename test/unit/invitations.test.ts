// The invitation rules: when one expires, the INVITATION_DAYS setting, and which invitations a removal withdraws.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../shared/config";
import {
  DEFAULT_INVITATION_DAYS,
  expiresAt,
  invitationExpiry,
  invitationsOf,
  isOpen,
} from "../../shared/domain/invitations";
import { MAX_MEMBERS_REMOVED_AT_ONCE, planRemoval } from "../../shared/domain/member-removal";
import type { Member } from "../../shared/domain/organization";
import { isAppError } from "../../shared/errors";

const DAY_MS = 24 * 3600 * 1000;

describe("an invitation's expiry", () => {
  const invitedAt = "2026-01-01T00:00:00.000Z";

  it("is INVITATION_DAYS after it was made: open until that instant, closed from it", () => {
    const expiry = invitationExpiry(new Date(invitedAt), 3).toISOString();
    expect(expiry).toBe("2026-01-04T00:00:00.000Z");
    expect(isOpen({ invitedAt, expiresAt: expiry }, new Date(Date.parse(expiry) - 1))).toBe(true);
    expect(isOpen({ invitedAt, expiresAt: expiry }, new Date(expiry))).toBe(false);
  });

  it("is the default 14 days for an invitation written before invitations expired", () => {
    expect(DEFAULT_INVITATION_DAYS).toBe(14);
    expect(expiresAt({ invitedAt }).getTime()).toBe(Date.parse(invitedAt) + 14 * DAY_MS);
  });
});

describe("the INVITATION_DAYS setting", () => {
  const base = { TABLE_NAME: "t" };

  it("is 14 days by default and takes a whole number of days from 1 to 365", () => {
    expect(parseConfig(base).INVITATION_DAYS).toBe(14);
    expect(parseConfig({ ...base, INVITATION_DAYS: "30" }).INVITATION_DAYS).toBe(30);
  });

  it.each(["0", "366", "1.5", "two weeks", "-3"])("refuses %j, naming the setting", (value) => {
    expect(() => parseConfig({ ...base, INVITATION_DAYS: value })).toThrow(/INVITATION_DAYS/);
  });
});

describe("what a removal withdraws", () => {
  it("the invitations to the address the member was added with and to their verified one, each once, in lower case", () => {
    expect(invitationsOf({ email: "Bob@Example.com", verifiedEmail: "bob@example.com" })).toEqual(["bob@example.com"]);
    expect(invitationsOf({ email: "typed@example.com", verifiedEmail: "Own@Example.com" })).toEqual([
      "typed@example.com",
      "own@example.com",
    ]);
    expect(invitationsOf({ email: "" })).toEqual([]);
  });
});

describe("removing many members", () => {
  const member = (userId: string, role: Member["role"]): Member => ({
    orgId: "org",
    userId,
    email: `${userId}@example.com`,
    role,
    administrator: false,
    coAdministrator: false,
    roleHistory: [],
    addedAt: "2026-01-01T00:00:00.000Z",
    version: 1,
  });

  it("moves the Subscription Manager count by the managers removed", () => {
    const targets = [member("a", "SubscriptionManager"), member("b", "Developer"), member("c", "SubscriptionManager")];
    expect(planRemoval("me", targets).managerDelta).toBe(-2);
  });

  it("refuses the whole removal when the caller is listed", () => {
    let error: unknown;
    try {
      planRemoval("me", [member("a", "Developer"), member("me", "SubscriptionManager")]);
    } catch (e) {
      error = e;
    }
    expect(isAppError(error, "SelfRemoval")).toBe(true);
  });

  it("takes at most as many members as fit one transaction with their invitations and teams items", () => {
    // Per member: its Delete, two invitation Deletes and its teams item; plus the actor's check and the count.
    expect(MAX_MEMBERS_REMOVED_AT_ONCE * 4 + 2).toBeLessThanOrEqual(100);
  });
});

// Subscription changes, pure: credits add up, the status moves between active and suspended, and cancelled is final (shared/domain/subscription.ts).
import { describe, expect, it } from "vitest";
import type { Subscription } from "../../shared/domain/organization";
import { changeSubscription, subscriptionTransitions, type SubscriptionStatus } from "../../shared/domain/subscription";
import { isAppError } from "../../shared/errors";

const at = new Date("2026-03-01T10:00:00Z");
const statuses = Object.keys(subscriptionTransitions) as SubscriptionStatus[];
const subscription = (status: SubscriptionStatus, credits = 100): Subscription => ({
  status,
  credits,
  updatedAt: "2026-01-01T00:00:00.000Z",
});
const refusalOf = (run: () => unknown) => {
  try {
    run();
    return undefined;
  } catch (error) {
    return isAppError(error) ? error.code : "not an AppError";
  }
};

describe("subscription changes", () => {
  it("adds credits and keeps the status when none is given, stamping the change", () => {
    expect(changeSubscription(subscription("active"), { addCredits: 250 }, at)).toEqual({
      status: "active",
      credits: 350,
      updatedAt: at.toISOString(),
    });
  });

  it("suspends an active subscription and reactivates a suspended one", () => {
    expect(changeSubscription(subscription("active"), { status: "suspended" }, at).status).toBe("suspended");
    expect(changeSubscription(subscription("suspended"), { status: "active" }, at).status).toBe("active");
  });

  it("cancels an active or a suspended subscription", () => {
    for (const from of ["active", "suspended"] as const) {
      expect(changeSubscription(subscription(from), { status: "cancelled" }, at).status).toBe("cancelled");
    }
  });

  it("refuses every change to a cancelled subscription, credits included, with SubscriptionCancelled", () => {
    const cancelled = subscription("cancelled");
    for (const status of statuses) {
      expect(refusalOf(() => changeSubscription(cancelled, { status }, at))).toBe("SubscriptionCancelled");
    }
    expect(refusalOf(() => changeSubscription(cancelled, { addCredits: 10 }, at))).toBe("SubscriptionCancelled");
    expect(refusalOf(() => changeSubscription(cancelled, {}, at))).toBe("SubscriptionCancelled");
  });

  it("refuses nothing from a status that is not cancelled, so the one refusal code is right", () => {
    for (const from of statuses.filter((s) => s !== "cancelled")) {
      for (const to of statuses)
        expect(refusalOf(() => changeSubscription(subscription(from), { status: to }, at))).toBeUndefined();
    }
  });
});

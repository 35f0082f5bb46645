// How a subscription changes: the statuses it moves between and the credits it gains, as a table and one rule.
import { subscriptionCancelled } from "../errors";
import type { Subscription } from "./organization";

export type SubscriptionStatus = Subscription["status"];

/**
 * The statuses a subscription may be given from each status (staying put counts: a change of credits
 * alone keeps the status). A cancelled subscription is final: it changes in nothing, credits included.
 */
export const subscriptionTransitions: Record<SubscriptionStatus, readonly SubscriptionStatus[]> = {
  active: ["active", "suspended", "cancelled"],
  suspended: ["active", "suspended", "cancelled"],
  cancelled: [],
};

/** The subscription after a change (credits add up; the status is kept unless given); refused as the table says. */
export function changeSubscription(
  before: Subscription,
  change: { addCredits?: number; status?: SubscriptionStatus },
  at: Date,
): Subscription {
  const status = change.status ?? before.status;
  // Only a cancelled subscription refuses a transition, so the refusal names it.
  if (!subscriptionTransitions[before.status].includes(status)) throw subscriptionCancelled();
  return { status, credits: before.credits + (change.addCredits ?? 0), updatedAt: at.toISOString() };
}

// Rules of invitations by e-mail: how long one stays open, and which invitations a removed member leaves behind.
import type { Invitation, Member } from "./organization";

/** SPEC section 7: an invitation expires after 14 days unless configured otherwise (`INVITATION_DAYS`). */
export const DEFAULT_INVITATION_DAYS = 14;

const DAY_MS = 24 * 3600 * 1000;

/** When an invitation made at `invitedAt` stops being taken. */
export function invitationExpiry(invitedAt: Date, days: number): Date {
  return new Date(invitedAt.getTime() + days * DAY_MS);
}

/**
 * The moment an invitation expires: the one written with it, or, for an invitation written before
 * invitations expired, the default period after it was made.
 */
export function expiresAt(invitation: Pick<Invitation, "invitedAt" | "expiresAt">): Date {
  return invitation.expiresAt
    ? new Date(invitation.expiresAt)
    : invitationExpiry(new Date(invitation.invitedAt), DEFAULT_INVITATION_DAYS);
}

/** An invitation is taken and listed only before it expires. */
export function isOpen(invitation: Pick<Invitation, "invitedAt" | "expiresAt">, now: Date): boolean {
  return now.getTime() < expiresAt(invitation).getTime();
}

/**
 * The addresses whose pending invitation a member's removal withdraws: the one they were added with and
 * the verified one they signed in with (lower case, as invitations are keyed). Otherwise a removed
 * member would re-join through an invitation left from before they were added.
 */
export function invitationsOf(member: Pick<Member, "email" | "verifiedEmail">): string[] {
  const addresses = [member.email, member.verifiedEmail]
    .filter((a): a is string => !!a && a.includes("@"))
    .map((a) => a.toLowerCase());
  return [...new Set(addresses)];
}

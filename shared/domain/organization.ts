// An organisation (one subscription) and its members, as the rules see them.
import type { Role, RoleSince } from "./roles";

export interface Organization {
  id: string;
  name: string;
  administratorId: string;
  createdAt: string;
  /** Members whose stored role is SubscriptionManager; kept in the same transactions that change roles. */
  managerCount: number;
  subscription: Subscription;
}

export interface Subscription {
  status: "active" | "suspended" | "cancelled";
  credits: number;
  updatedAt: string;
}

export interface Member {
  orgId: string;
  userId: string;
  /** The address shown in lists: typed by the manager who added them, or their own verified one. */
  email: string;
  /**
   * The verified address the member's own token carried on their latest request (recorded when it
   * changes): the only address their mail goes to. Absent until they have signed in with one.
   */
  verifiedEmail?: string;
  /**
   * When the token that carried `verifiedEmail` was issued (ISO): a token issued earlier never writes its
   * address over it, so two tokens in use at once cannot bring an old address back.
   */
  verifiedEmailIssuedAt?: string;
  name?: string;
  role: Role | null;
  administrator: boolean;
  coAdministrator: boolean;
  roleHistory: RoleSince[];
  addedAt: string;
  /** Incremented on every change: writes that relied on a read of this member are conditioned on it. */
  version: number;
  /**
   * A copy of the organisation's fields, which never change after its creation: the caller's organisations
   * are listed from their member items alone (one Query). Absent on members written before it was kept.
   */
  organization?: OrganizationSummary;
}

/** What a list of a user's organisations shows of each; written once with the organisation, never changed. */
export type OrganizationSummary = Pick<Organization, "name" | "administratorId" | "createdAt">;

export const summaryOf = (org: Organization): OrganizationSummary => ({
  name: org.name,
  administratorId: org.administratorId,
  createdAt: org.createdAt,
});

/** A member added by e-mail alone: it becomes a member when a user signs in with that (verified) address. */
export interface Invitation {
  orgId: string;
  /** Lower-cased. */
  email: string;
  name?: string;
  role: Role | null;
  coAdministrator: boolean;
  invitedBy: string;
  invitedAt: string;
  /** After this instant the invitation is neither taken nor listed (absent on invitations written before they expired). */
  expiresAt?: string;
}

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
  name?: string;
  role: Role | null;
  administrator: boolean;
  coAdministrator: boolean;
  roleHistory: RoleSince[];
  addedAt: string;
  /** Incremented on every change: writes that relied on a read of this member are conditioned on it. */
  version: number;
}

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
}

// Who may do what in the developer portal (seed developer-portal-roles.txt, "Overview of permissions"), as one table.
import type { Role } from "./roles";

/**
 * - `any`: every member holding this role may.
 * - `owner`: only where the member is listed as an owner of the application (Developers).
 * - `participant`: only where the member is a participant of the Test iTwin (every role, managers included).
 * - `no`: never.
 */
export type Grant = "any" | "owner" | "participant" | "no";

export const portalActions = [
  "readOrganization",
  "listMembers",
  "addMember",
  "changeRole",
  "removeMember",
  "readSubscription",
  "changeSubscription",
  "createApplication",
  "listApplications",
  "readApplication",
  "modifyApplication",
  "deleteApplication",
  "addApplicationOwner",
  "removeApplicationOwner",
  "viewAllApplications",
  "createTestItwin",
  "readTestItwin",
  "modifyTestItwin",
  "deleteTestItwin",
  "addTestItwinParticipant",
  "listInvitations",
  "withdrawInvitation",
  "removeMembers",
  "listTestItwinParticipants",
  "removeTestItwinParticipant",
  "readAudit",
] as const;
export type PortalAction = (typeof portalActions)[number];

/** Compare line by line with the seed: rows are actions, columns the three roles. */
export const portalMatrix: Record<PortalAction, Record<Role, Grant>> = {
  readOrganization: { SubscriptionManager: "any", ApplicationManager: "any", Developer: "any" },
  listMembers: { SubscriptionManager: "any", ApplicationManager: "any", Developer: "any" },
  addMember: { SubscriptionManager: "any", ApplicationManager: "no", Developer: "no" },
  changeRole: { SubscriptionManager: "any", ApplicationManager: "no", Developer: "no" },
  removeMember: { SubscriptionManager: "any", ApplicationManager: "no", Developer: "no" },
  readSubscription: { SubscriptionManager: "any", ApplicationManager: "no", Developer: "no" },
  changeSubscription: { SubscriptionManager: "any", ApplicationManager: "no", Developer: "no" },
  createApplication: { SubscriptionManager: "any", ApplicationManager: "any", Developer: "any" },
  listApplications: { SubscriptionManager: "any", ApplicationManager: "any", Developer: "any" },
  readApplication: { SubscriptionManager: "any", ApplicationManager: "any", Developer: "owner" },
  modifyApplication: { SubscriptionManager: "any", ApplicationManager: "any", Developer: "owner" },
  deleteApplication: { SubscriptionManager: "any", ApplicationManager: "any", Developer: "owner" },
  addApplicationOwner: { SubscriptionManager: "any", ApplicationManager: "any", Developer: "owner" },
  removeApplicationOwner: { SubscriptionManager: "any", ApplicationManager: "any", Developer: "owner" },
  viewAllApplications: { SubscriptionManager: "any", ApplicationManager: "any", Developer: "no" },
  createTestItwin: { SubscriptionManager: "any", ApplicationManager: "any", Developer: "any" },
  readTestItwin: { SubscriptionManager: "participant", ApplicationManager: "participant", Developer: "participant" },
  modifyTestItwin: { SubscriptionManager: "participant", ApplicationManager: "participant", Developer: "participant" },
  deleteTestItwin: { SubscriptionManager: "participant", ApplicationManager: "participant", Developer: "participant" },
  addTestItwinParticipant: {
    SubscriptionManager: "participant",
    ApplicationManager: "participant",
    Developer: "participant",
  },
  listInvitations: { SubscriptionManager: "any", ApplicationManager: "no", Developer: "no" },
  withdrawInvitation: { SubscriptionManager: "any", ApplicationManager: "no", Developer: "no" },
  removeMembers: { SubscriptionManager: "any", ApplicationManager: "no", Developer: "no" },
  listTestItwinParticipants: {
    SubscriptionManager: "participant",
    ApplicationManager: "participant",
    Developer: "participant",
  },
  removeTestItwinParticipant: {
    SubscriptionManager: "participant",
    ApplicationManager: "participant",
    Developer: "participant",
  },
  // Not in the seed (SPEC section 7): the organisation's audit trail is the Subscription Managers'.
  readAudit: { SubscriptionManager: "any", ApplicationManager: "no", Developer: "no" },
};

/** allow: go ahead; forbid: 403 (the caller sees the resource but may not); hide: 404 (the caller may not even see it). */
export type Decision = "allow" | "forbid" | "hide";

/**
 * Decides an action for a member's role and relation to the resource. A member without a role may
 * only read documentation (403 on everything); a resource that needs ownership or participation
 * is invisible (404) to those without it, because listing would not show it to them either.
 */
export function decide(
  action: PortalAction,
  role: Role | null,
  relation: { owner?: boolean; participant?: boolean } = {},
): Decision {
  if (!role) return "forbid";
  switch (portalMatrix[action][role]) {
    case "any":
      return "allow";
    case "owner":
      return relation.owner ? "allow" : "hide";
    case "participant":
      return relation.participant ? "allow" : "hide";
    case "no":
      return "forbid";
  }
}

/** What a 403 tells the caller, where the role alone would not say who may act instead. */
export const forbiddenMessage: Partial<Record<PortalAction, string>> = {
  addMember: "Only a Subscription Manager adds members",
  changeRole: "Only a Subscription Manager assigns roles",
  removeMember: "Only a Subscription Manager removes members",
  removeMembers: "Only a Subscription Manager removes members",
  listInvitations: "Only a Subscription Manager sees the invitations",
  withdrawInvitation: "Only a Subscription Manager withdraws invitations",
  readSubscription: "Only a Subscription Manager reads the subscription",
  changeSubscription: "Only a Subscription Manager changes the subscription",
  readAudit: "Only a Subscription Manager reads the organisation's audit trail",
};

/** The message of a `forbid` decision: a member without a role is told to ask for one. */
export function refusal(action: PortalAction, role: Role | null): string {
  if (!role) return "Members without a role may only read the documentation; ask a Subscription Manager for a role";
  return forbiddenMessage[action] ?? `Your role (${role}) does not allow this`;
}

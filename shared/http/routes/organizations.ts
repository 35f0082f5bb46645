// Routes of organisations, members and the subscription (SPEC section 1).
import * as z from "zod";
import { MAX_MEMBERS_REMOVED_AT_ONCE } from "../../domain/member-removal";
import { roles } from "../../domain/roles";
import { defineRoute } from "../route";
import { displayName, email, nameText, pageOf, pageQuery, resourceId, userId } from "../schemas";

export const roleSchema = z.enum(roles).meta({ id: "Role" });

export const organizationSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    administratorId: z.string().describe("The user who created the organisation"),
    createdAt: z.iso.datetime(),
    yourRole: roleSchema.nullable().describe("The role your current token is judged with"),
  })
  .meta({ id: "Organization" });

const orgParams = z.object({ orgId: resourceId }).strict();

export const listMyOrganizations = defineRoute({
  id: "listMyOrganizations",
  method: "GET",
  path: "/organizations",
  group: "organizations",
  auth: true,
  tag: "Organizations",
  summary: "List your organisations",
  description:
    "The organisations you are a member of, page by page in id order, each with `yourRole`: the role your current token is judged with there, as `GET /organizations/{orgId}` answers it " +
    "(a promotion shows from your next sign-in, a demotion at once). Read from an index, so a change of the last moment may not show yet. " +
    "An organisation that invited your address appears once you have taken the invitation (your first request to it).",
  query: pageQuery,
  success: {
    status: 200,
    description: "A page of your organisations (empty when you belong to none)",
    schema: pageOf(organizationSchema).meta({ id: "OrganizationPage" }),
  },
  errors: [],
});

export const createOrganization = defineRoute({
  id: "createOrganization",
  method: "POST",
  path: "/organizations",
  group: "organizations",
  auth: true,
  idempotent: true,
  tag: "Organizations",
  summary: "Create an organisation",
  description:
    "Creates an organisation (one subscription). The caller becomes its Administrator and so a Subscription Manager. " +
    "Send an `Idempotency-Key` header to make retries safe: a retry with the same key by the same caller answers the organisation created first, again with 201.",
  body: z
    .object({ name: nameText(200) })
    .strict()
    .meta({ id: "CreateOrganization" }),
  success: { status: 201, description: "The organisation was created", schema: organizationSchema },
  errors: [],
});

export const getOrganization = defineRoute({
  id: "getOrganization",
  method: "GET",
  path: "/organizations/{orgId}",
  group: "organizations",
  auth: true,
  tag: "Organizations",
  summary: "Read an organisation",
  description: "Members with a role read their organisation; members without one get 403, everybody else 404.",
  params: orgParams,
  success: { status: 200, description: "The organisation", schema: organizationSchema },
  errors: [403, 404],
});

export const memberSchema = z
  .object({
    userId: z.string(),
    email: z.string(),
    name: z.string().optional(),
    role: roleSchema.nullable().describe("null: a member without a role, who may only read the documentation"),
    administrator: z.boolean().describe("The creator of the organisation; always a Subscription Manager"),
    coAdministrator: z.boolean().describe("Always a Subscription Manager"),
    addedAt: z.iso.datetime(),
  })
  .meta({ id: "Member" });

const memberParams = z.object({ orgId: resourceId, userId }).strict();

export const listMembers = defineRoute({
  id: "listMembers",
  method: "GET",
  path: "/organizations/{orgId}/members",
  group: "organizations",
  auth: true,
  tag: "Members",
  summary: "List the members of an organisation",
  description: "Any member with a role may list the members, page by page.",
  params: orgParams,
  query: pageQuery,
  success: { status: 200, description: "A page of members", schema: pageOf(memberSchema).meta({ id: "MemberPage" }) },
  errors: [403, 404],
});

export const invitationSchema = z
  .object({
    status: z.literal("invited"),
    email: z.string(),
    name: z.string().optional(),
    role: roleSchema.nullable(),
    coAdministrator: z.boolean(),
    invitedBy: z.string(),
    invitedAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().describe("After this the invitation is not taken (INVITATION_DAYS, 14 by default)"),
  })
  .meta({ id: "Invitation" });

export const addMember = defineRoute({
  id: "addMember",
  method: "POST",
  path: "/organizations/{orgId}/members",
  group: "organizations",
  auth: true,
  idempotent: true,
  tag: "Members",
  summary: "Add a member, or invite one by e-mail",
  description:
    "Subscription Managers add users by user id (the `sub` of their tokens) with e-mail and name, with a role or none. " +
    "Without `userId` the address is invited: the user whose token carries that (verified) `email` becomes a member, with the role given, " +
    "on their first request to the organisation. A Co-Administrator is always a Subscription Manager.",
  params: orgParams,
  body: z
    .object({
      userId: userId.optional(),
      email,
      name: displayName.optional(),
      role: roleSchema.nullable().optional(),
      coAdministrator: z.boolean().optional(),
    })
    .strict()
    .meta({ id: "AddMember" }),
  success: {
    status: 201,
    description: "The member was added, or the address invited",
    schema: z.union([memberSchema, invitationSchema]),
  },
  errors: [403, 404, 409],
  codes: ["MemberExists", "InvitationExists"],
});

export const changeMember = defineRoute({
  id: "changeMember",
  method: "PATCH",
  path: "/organizations/{orgId}/members/{userId}",
  group: "organizations",
  auth: true,
  tag: "Members",
  summary: "Change a member's role or Co-Administrator flag",
  description:
    "Subscription Managers only. `role: null` clears the role. A promotion applies to the member's tokens issued after it; a demotion or a cleared role applies at once. Nobody raises their own role or sets their own Co-Administrator flag (403). " +
    "Refused with 409 `LastSubscriptionManager` when no Subscription Manager would be left, and `AdministratorIsSubscriptionManager` for administrators.",
  params: memberParams,
  body: z
    .object({ role: roleSchema.nullable().optional(), coAdministrator: z.boolean().optional() })
    .strict()
    .refine((b) => b.role !== undefined || b.coAdministrator !== undefined, "give `role` or `coAdministrator`")
    .meta({ id: "ChangeMember" }),
  success: { status: 200, description: "The member as changed", schema: memberSchema },
  errors: [403, 404, 409],
  codes: ["AdministratorIsSubscriptionManager", "LastSubscriptionManager"],
});

export const assignRole = defineRoute({
  id: "assignRole",
  method: "POST",
  path: "/organizations/{orgId}/members:assign-role",
  group: "organizations",
  auth: true,
  tag: "Members",
  summary: "Give many members one role",
  description:
    "Subscription Managers only. All listed members get the role in one transaction, or none does (409 `LastSubscriptionManager`, 404 for unknown members).",
  params: orgParams,
  body: z
    .object({
      userIds: z
        .array(userId)
        .min(1)
        .max(50)
        .refine((ids) => new Set(ids).size === ids.length, "ids must be unique"),
      role: roleSchema.nullable(),
    })
    .strict()
    .meta({ id: "AssignRole" }),
  success: {
    status: 200,
    description: "The members as changed",
    schema: z.object({ items: z.array(memberSchema) }).meta({ id: "MemberList" }),
  },
  errors: [403, 404, 409],
  codes: ["AdministratorIsSubscriptionManager", "LastSubscriptionManager"],
});

export const removeMember = defineRoute({
  id: "removeMember",
  method: "DELETE",
  path: "/organizations/{orgId}/members/{userId}",
  group: "organizations",
  auth: true,
  tag: "Members",
  summary: "Remove a member",
  description:
    "Subscription Managers only; applies at once, and withdraws the member's pending invitation. Nobody removes themselves (409 `SelfRemoval`), and the last Subscription Manager stays (409 `LastSubscriptionManager`).",
  params: memberParams,
  success: { status: 204, description: "The member was removed" },
  errors: [403, 404, 409],
  codes: ["LastSubscriptionManager", "SelfRemoval"],
});

export const removeMembers = defineRoute({
  id: "removeMembers",
  method: "POST",
  path: "/organizations/{orgId}/members:remove",
  group: "organizations",
  auth: true,
  tag: "Members",
  summary: "Remove many members at once",
  description:
    `Subscription Managers only. Removes every listed member (at most ${MAX_MEMBERS_REMOVED_AT_ONCE}, each once) in one transaction, or nobody, with the rules of a single removal: ` +
    "404 naming the unknown members, 409 `SelfRemoval` when you are listed, 409 `LastSubscriptionManager` when no Subscription Manager would be left. " +
    "Applies at once, to the organisation's iTwins too, and withdraws the members' pending invitations.",
  params: orgParams,
  body: z
    .object({
      userIds: z
        .array(userId)
        .min(1)
        .max(MAX_MEMBERS_REMOVED_AT_ONCE)
        .refine((ids) => new Set(ids).size === ids.length, "ids must be unique"),
    })
    .strict()
    .meta({ id: "RemoveMembers" }),
  success: { status: 204, description: "Every listed member was removed" },
  errors: [403, 404, 409],
  codes: ["LastSubscriptionManager", "SelfRemoval"],
});

export const subscriptionSchema = z
  .object({
    status: z.enum(["active", "suspended", "cancelled"]),
    credits: z.number().int(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "Subscription" });

export const getSubscription = defineRoute({
  id: "getSubscription",
  method: "GET",
  path: "/organizations/{orgId}/subscription",
  group: "organizations",
  auth: true,
  tag: "Subscription",
  summary: "Read the subscription",
  description: "Subscription Managers only.",
  params: orgParams,
  success: { status: 200, description: "The subscription", schema: subscriptionSchema },
  errors: [403, 404],
});

export const changeSubscription = defineRoute({
  id: "changeSubscription",
  method: "PATCH",
  path: "/organizations/{orgId}/subscription",
  group: "organizations",
  auth: true,
  tag: "Subscription",
  summary: "Add credits, change the status, or cancel",
  description:
    "Subscription Managers only. `addCredits` adds to the balance; `status: cancelled` cancels the subscription, after which it cannot change (409 `SubscriptionCancelled`).",
  params: orgParams,
  body: z
    .object({
      addCredits: z.number().int().min(1).max(1_000_000_000).optional(),
      status: z.enum(["active", "suspended", "cancelled"]).optional(),
    })
    .strict()
    .refine((b) => b.addCredits !== undefined || b.status !== undefined, "give `addCredits` or `status`")
    .meta({ id: "ChangeSubscription" }),
  success: { status: 200, description: "The subscription as changed", schema: subscriptionSchema },
  errors: [403, 404, 409],
  codes: ["SubscriptionCancelled"],
});

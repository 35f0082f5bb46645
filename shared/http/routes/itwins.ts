// Routes of iTwins, their team members and roles (SPEC section 2).
import * as z from "zod";
import { builtInRoles, itwinPermissions, levels } from "../../domain/permissions";
import { defineRoute } from "../route";
import { itwinSchema, roleRef } from "../itwin-schemas";
import { nameText, pageOf, pageQuery, resourceId, userId } from "../schemas";

export const itwinPermission = z
  .enum(itwinPermissions)
  .meta({ id: "ItwinPermission", description: "An iModel permission, or team_manage" });

const teamMemberSchema = z
  .object({
    id: z.string().describe("The member's user id"),
    userId: z.string(),
    itwinId: z.string(),
    roles: z.array(z.string()).describe("Built-in role names and custom role ids, as assigned"),
    permissions: z.array(itwinPermission).describe("What the roles give together, cumulative levels applied"),
    addedAt: z.iso.datetime(),
  })
  .meta({ id: "TeamMember" });

export const customRoleSchema = z
  .object({
    id: z.string(),
    itwinId: z.string(),
    name: z.string(),
    permissions: z
      .array(itwinPermission)
      .describe("Closed under the cumulative rule: imodels_write brings imodels_read and imodels_webview"),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: "ItwinRole" });

const orgParams = z.object({ orgId: resourceId }).strict();
const itwinParams = z.object({ itwinId: resourceId }).strict();
const teamMemberParams = z.object({ itwinId: resourceId, userId }).strict();
const rolesField = z.array(roleRef).max(20);

export const teamRule =
  "Any team member reads the team; changing it needs `team_manage` (403 otherwise). People outside the team get 404. " +
  "Nobody grants what they do not hold: roles given and custom roles defined carry only permissions the caller holds (the iTwin's creator holds all; 403 names what is missing). " +
  "A Test iTwin's team is its participants: changes answer 409 `TestItwinTeam`.";

export const createItwin = defineRoute({
  id: "createItwin",
  method: "POST",
  path: "/organizations/{orgId}/itwins",
  group: "itwins",
  auth: true,
  idempotent: true,
  tag: "iTwins",
  summary: "Create an iTwin",
  description:
    "Any organisation member with a role creates iTwins (members without one get 403, others 404). The creator becomes a team member " +
    "with the `Delete` and `TeamManager` roles: every iModel permission and `team_manage`. Send an `Idempotency-Key` header to make retries safe.",
  params: orgParams,
  body: z
    .object({ name: nameText(200) })
    .strict()
    .meta({ id: "CreateItwin" }),
  success: { status: 201, description: "The iTwin was created", schema: itwinSchema },
  errors: [403, 404, 409],
  codes: ["TooManyTeams"],
});

export const listItwins = defineRoute({
  id: "listItwins",
  method: "GET",
  path: "/organizations/{orgId}/itwins",
  group: "itwins",
  auth: true,
  tag: "iTwins",
  summary: "List your iTwins in an organisation",
  description:
    "The iTwins (not Test iTwins) of the organisation whose team you are on, page by page. 404 outside the organisation.",
  params: orgParams,
  query: pageQuery,
  success: { status: 200, description: "A page of iTwins", schema: pageOf(itwinSchema).meta({ id: "ItwinPage" }) },
  errors: [404],
});

export const getItwin = defineRoute({
  id: "getItwin",
  method: "GET",
  path: "/itwins/{itwinId}",
  group: "itwins",
  auth: true,
  tag: "iTwins",
  summary: "Read an iTwin",
  description: "Team members read the iTwin; everybody else gets 404.",
  params: itwinParams,
  success: { status: 200, description: "The iTwin", schema: itwinSchema },
  errors: [404],
});

export const listItwinMembers = defineRoute({
  id: "listItwinMembers",
  method: "GET",
  path: "/itwins/{itwinId}/members",
  group: "itwins",
  auth: true,
  tag: "iTwin team",
  summary: "List the team members of an iTwin",
  description: teamRule,
  params: itwinParams,
  query: pageQuery,
  success: {
    status: 200,
    description: "A page of team members",
    schema: pageOf(teamMemberSchema).meta({ id: "TeamMemberPage" }),
  },
  errors: [404],
});

export const addItwinMember = defineRoute({
  id: "addItwinMember",
  method: "POST",
  path: "/itwins/{itwinId}/members",
  group: "itwins",
  auth: true,
  idempotent: true,
  tag: "iTwin team",
  summary: "Add a team member with roles",
  description:
    `${teamRule} The user must be a member of the iTwin's organisation (409 \`NotOrganizationMember\`). ` +
    `Roles are built-in names (${levels.join(", ")}: cumulative levels; TeamManager: team_manage) or custom role ids (400 when unknown). ` +
    "An empty list is allowed: such a member gets permissions only from per-iModel lists. " +
    "Adding an existing member again with the same roles answers them again; with other roles 409 `AlreadyTeamMember`.",
  params: itwinParams,
  body: z.object({ userId, roles: rolesField }).strict().meta({ id: "AddTeamMember" }),
  success: { status: 201, description: "The member was added", schema: teamMemberSchema },
  errors: [403, 404, 409],
  codes: ["AlreadyTeamMember", "NotOrganizationMember", "TooManyTeams", "TestItwinTeam"],
});

export const changeItwinMember = defineRoute({
  id: "changeItwinMember",
  method: "PATCH",
  path: "/itwins/{itwinId}/members/{userId}",
  group: "itwins",
  auth: true,
  tag: "iTwin team",
  summary: "Replace a team member's roles",
  description: `${teamRule} Applies to the very next request. Refused with 409 \`LastTeamManager\` when nobody would keep team_manage.`,
  params: teamMemberParams,
  body: z.object({ roles: rolesField }).strict().meta({ id: "ChangeTeamMember" }),
  success: { status: 200, description: "The member as changed", schema: teamMemberSchema },
  errors: [403, 404, 409],
  codes: ["LastTeamManager", "TestItwinTeam"],
});

export const removeItwinMember = defineRoute({
  id: "removeItwinMember",
  method: "DELETE",
  path: "/itwins/{itwinId}/members/{userId}",
  group: "itwins",
  auth: true,
  tag: "iTwin team",
  summary: "Remove a team member",
  description: `${teamRule} Applies at once. Refused with 409 \`LastTeamManager\` when nobody would keep team_manage.`,
  params: teamMemberParams,
  success: { status: 204, description: "The member was removed" },
  errors: [403, 404, 409],
  codes: ["LastTeamManager", "TestItwinTeam"],
});

export const listItwinRoles = defineRoute({
  id: "listItwinRoles",
  method: "GET",
  path: "/itwins/{itwinId}/roles",
  group: "itwins",
  auth: true,
  tag: "iTwin team",
  summary: "List the custom roles of an iTwin",
  description: `The iTwin's custom roles, page by page; the built-in ones (${Object.keys(builtInRoles).join(", ")}) are not listed. Team members only (404 otherwise).`,
  params: itwinParams,
  query: pageQuery,
  success: {
    status: 200,
    description: "A page of custom roles",
    schema: pageOf(customRoleSchema).meta({ id: "ItwinRolePage" }),
  },
  errors: [404],
});

export const createItwinRole = defineRoute({
  id: "createItwinRole",
  method: "POST",
  path: "/itwins/{itwinId}/roles",
  group: "itwins",
  auth: true,
  idempotent: true,
  tag: "iTwin team",
  summary: "Create a custom role",
  description: `${teamRule} A role is a set of permissions; assign it by its id. Send an \`Idempotency-Key\` header to make retries safe.`,
  params: itwinParams,
  body: z
    .object({
      name: nameText(100),
      permissions: z
        .array(itwinPermission)
        .min(1)
        .max(itwinPermissions.length * 2),
    })
    .strict()
    .meta({ id: "CreateItwinRole" }),
  success: { status: 201, description: "The role was created", schema: customRoleSchema },
  errors: [403, 404, 409],
  codes: ["TestItwinTeam"],
});

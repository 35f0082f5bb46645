// Routes of custom roles beyond creating and listing them (SPEC section 7): edit and delete.
import * as z from "zod";
import { itwinPermissions } from "../../domain/permissions";
import { defineRoute } from "../route";
import { nameText, resourceId } from "../schemas";
import { customRoleSchema, itwinPermission, teamRule } from "./itwins";

const roleParams = z.object({ itwinId: resourceId, roleId: resourceId }).strict();

const inUse =
  "A role still assigned (to a team member, or in an iModel's own access list) keeps its permissions and cannot be deleted: 409 `RoleInUse`; " +
  "an assignment racing with the change either lands first (409) or is refused (the role is gone: 400). Built-in roles are not custom roles: 404.";

export const changeItwinRole = defineRoute({
  id: "changeItwinRole",
  method: "PATCH",
  path: "/itwins/{itwinId}/roles/{roleId}",
  group: "itwins",
  auth: true,
  tag: "iTwin team",
  summary: "Rename a custom role or change its permissions",
  description: `${teamRule} Renaming is always allowed; new permissions only while the role is not assigned. ${inUse}`,
  params: roleParams,
  body: z
    .object({
      name: nameText(100).optional(),
      permissions: z
        .array(itwinPermission)
        .min(1)
        .max(itwinPermissions.length * 2)
        .optional(),
    })
    .strict()
    .refine((b) => b.name !== undefined || b.permissions !== undefined, "name or permissions is required")
    .meta({ id: "ChangeItwinRole" }),
  success: { status: 200, description: "The role as changed", schema: customRoleSchema },
  errors: [403, 404, 409],
  codes: ["RoleInUse", "TestItwinTeam"],
});

export const deleteItwinRole = defineRoute({
  id: "deleteItwinRole",
  method: "DELETE",
  path: "/itwins/{itwinId}/roles/{roleId}",
  group: "itwins",
  auth: true,
  tag: "iTwin team",
  summary: "Delete a custom role",
  description: `${teamRule} ${inUse}`,
  params: roleParams,
  success: { status: 204, description: "The role was deleted" },
  errors: [403, 404, 409],
  codes: ["RoleInUse", "TestItwinTeam"],
});

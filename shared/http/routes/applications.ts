// Routes of the developer portal's applications (SPEC section 1).
import * as z from "zod";
import { defineRoute } from "../route";
import { nameText, pageOf, pageQuery, resourceId, userId } from "../schemas";

export const applicationSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    owners: z
      .array(z.string())
      .describe(
        "Listed owners, the creator always among them (a manager creator too); Application and Subscription Managers also own every application implicitly",
      ),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "Application" });

const appName = nameText(200);
const appParams = z.object({ appId: resourceId }).strict();
const orgParams = z.object({ orgId: resourceId }).strict();

export const createApplication = defineRoute({
  id: "createApplication",
  method: "POST",
  path: "/organizations/{orgId}/applications",
  group: "portal",
  auth: true,
  idempotent: true,
  tag: "Applications",
  summary: "Create an application",
  description:
    "Any role may create one. A Developer who creates it becomes its owner; managers own every application implicitly.",
  params: orgParams,
  body: z.object({ name: appName }).strict().meta({ id: "CreateApplication" }),
  success: { status: 201, description: "The application was created", schema: applicationSchema },
  errors: [403, 404, 409],
});

export const listApplications = defineRoute({
  id: "listApplications",
  method: "GET",
  path: "/organizations/{orgId}/applications",
  group: "portal",
  auth: true,
  tag: "Applications",
  summary: "List applications",
  description:
    "Application and Subscription Managers see every application of the organisation; a Developer sees those they own.",
  params: orgParams,
  query: pageQuery,
  success: {
    status: 200,
    description: "A page of applications",
    schema: pageOf(applicationSchema).meta({ id: "ApplicationPage" }),
  },
  errors: [403, 404],
});

export const getApplication = defineRoute({
  id: "getApplication",
  method: "GET",
  path: "/applications/{appId}",
  group: "portal",
  auth: true,
  tag: "Applications",
  summary: "Read an application",
  description:
    "Managers read any application of their organisation; a Developer reads those they own (others answer 404).",
  params: appParams,
  success: { status: 200, description: "The application", schema: applicationSchema },
  errors: [403, 404],
});

export const renameApplication = defineRoute({
  id: "renameApplication",
  method: "PATCH",
  path: "/applications/{appId}",
  group: "portal",
  auth: true,
  tag: "Applications",
  summary: "Modify an application",
  description:
    "Application and Subscription Managers on any application of the organisation; a Developer only where listed as owner.",
  params: appParams,
  body: z.object({ name: appName }).strict().meta({ id: "ModifyApplication" }),
  success: { status: 200, description: "The application as changed", schema: applicationSchema },
  errors: [403, 404],
});

export const deleteApplication = defineRoute({
  id: "deleteApplication",
  method: "DELETE",
  path: "/applications/{appId}",
  group: "portal",
  auth: true,
  tag: "Applications",
  summary: "Delete an application",
  description: "Same rule as modify. With several owners, one is enough to delete it.",
  params: appParams,
  success: { status: 204, description: "The application was deleted" },
  errors: [403, 404, 409],
});

export const addApplicationOwner = defineRoute({
  id: "addApplicationOwner",
  method: "POST",
  path: "/applications/{appId}/owners",
  group: "portal",
  auth: true,
  idempotent: true,
  tag: "Applications",
  summary: "Add an owner",
  description:
    "Owners (and managers) add another member of the organisation as owner. Adding an existing owner changes nothing. " +
    "Managers are implicit owners and cannot be listed (409 `ImplicitOwner`).",
  params: appParams,
  body: z.object({ userId }).strict().meta({ id: "AddOwner" }),
  success: { status: 201, description: "The application with its owners", schema: applicationSchema },
  errors: [403, 404, 409],
  codes: ["ImplicitOwner", "TooManyOwners"],
});

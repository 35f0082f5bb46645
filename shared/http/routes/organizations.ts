// Routes of organisations, members and the subscription (SPEC section 1).
import { z } from "zod";
import { roles } from "../../domain/roles";
import { defineRoute } from "../route";
import { resourceId } from "../schemas";

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

export const createOrganization = defineRoute({
  id: "createOrganization",
  method: "POST",
  path: "/organizations",
  group: "organizations",
  auth: true,
  tag: "Organizations",
  summary: "Create an organisation",
  description:
    "Creates an organisation (one subscription). The caller becomes its Administrator and so a Subscription Manager. " +
    "Send an `Idempotency-Key` header to make retries safe: a retry with the same key by the same caller answers the organisation created first, again with 201.",
  body: z.object({ name: z.string().trim().min(1).max(200) }).strict().meta({ id: "CreateOrganization" }),
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

// Routes of the audit trail (SPEC section 7): an organisation's and an iModel's, newest first.
import * as z from "zod";
import { auditActions, auditTargetTypes } from "../../domain/audit";
import { defineRoute } from "../route";
import { pageOf, pageQuery, resourceId } from "../schemas";

const state = z
  .record(z.string(), z.unknown())
  .nullable()
  .describe("What the target was (before) or became (after); null where it did not exist");

export const auditEntrySchema = z
  .object({
    id: z.string(),
    at: z.iso.datetime().describe("When the change was made"),
    actorId: z.string().describe("Who made it: the user id (`sub`) of the verified token of the request"),
    action: z.enum(auditActions).meta({ id: "AuditAction" }),
    orgId: z.string(),
    target: z
      .object({
        type: z.enum(auditTargetTypes),
        id: z
          .string()
          .describe(
            "A user id (member, team member, participant), an address (invitation), or the id of the role, application, iModel (access list), connection or organisation (`members`)",
          ),
      })
      .describe("What was changed"),
    itwinId: z.string().optional().describe("The iTwin of a team, participant or custom role change"),
    imodelId: z.string().optional().describe("The iModel of an access list or connection change"),
    before: state,
    after: state,
    expiresAt: z.iso.datetime().describe("When the entry expires: `AUDIT_RETENTION_DAYS` (400) days after `at`"),
  })
  .meta({ id: "AuditEntry" });

const auditPage = pageOf(auditEntrySchema).meta({ id: "AuditPage" });

// The route table is read where no configuration is (CDK synth): the default is stated, the setting named.
const kept =
  "Entries are kept 400 days (the `AUDIT_RETENTION_DAYS` setting), then no longer answered and removed by DynamoDB's TTL.";

export const getOrganizationAudit = defineRoute({
  id: "getOrganizationAudit",
  method: "GET",
  path: "/organizations/{orgId}/audit",
  group: "organizations",
  auth: true,
  tag: "Audit",
  summary: "Read the organisation's audit trail",
  description:
    "Subscription Managers only. Every change of roles, memberships, invitations, iTwin teams, Test iTwin participants, custom roles, " +
    "application owners, and of the organisation's iModels' access lists and connections (owner, schedule), newest first: who (`actorId`), " +
    `when, what, and from what to what. Each entry was written in the transaction of its change: a refused change leaves none. ${kept}`,
  params: z.object({ orgId: resourceId }).strict(),
  query: pageQuery,
  success: { status: 200, description: "A page of audit entries, newest first", schema: auditPage },
  errors: [403, 404],
});

export const getImodelAudit = defineRoute({
  id: "getImodelAudit",
  method: "GET",
  path: "/imodels/{imodelId}/audit",
  group: "imodels",
  auth: true,
  tag: "Audit",
  summary: "Read an iModel's audit trail",
  description:
    "Needs `imodels_manage` on the iModel. Changes of its own access list and of its connections (creation, owner, schedule, deletion), " +
    "newest first; the same entries are in the organisation's trail. Read from an index: an entry shows a moment (usually well under a second) after its change. " +
    kept,
  params: z.object({ imodelId: resourceId }).strict(),
  query: pageQuery,
  success: { status: 200, description: "A page of audit entries, newest first", schema: auditPage },
  errors: [403, 404],
});

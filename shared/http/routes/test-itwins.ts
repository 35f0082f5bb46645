// Routes of Test iTwins (SPEC section 1): any role creates one; only participants see, change, delete it or add participants.
import * as z from "zod";
import { itwinSchema } from "../itwin-schemas";
import { defineRoute } from "../route";
import { nameText, pageOf, pageQuery, resourceId, userId } from "../schemas";

export const participantSchema = z
  .object({
    id: z.string().describe("The participant's user id"),
    userId: z.string(),
    itwinId: z.string(),
    addedAt: z.iso.datetime(),
  })
  .meta({ id: "TestItwinParticipant" });

const orgParams = z.object({ orgId: resourceId }).strict();
const testItwinParams = z.object({ id: resourceId }).strict();
const nameBody = z.object({ name: nameText(200) }).strict();

export const participantsOnly =
  "Only participants may do this, managers included: to anyone else in the organisation the Test iTwin does not exist (404). " +
  "Members without a role get 403, people outside the organisation 404.";

export const createTestItwin = defineRoute({
  id: "createTestItwin",
  method: "POST",
  path: "/organizations/{orgId}/test-itwins",
  group: "itwins",
  auth: true,
  idempotent: true,
  tag: "Test iTwins",
  summary: "Create a Test iTwin",
  description:
    "Any role creates one and becomes its first participant, holding every iModel permission in it. Members without a role get 403. " +
    "Send an `Idempotency-Key` header to make retries safe.",
  params: orgParams,
  body: nameBody.meta({ id: "CreateTestItwin" }),
  success: { status: 201, description: "The Test iTwin was created", schema: itwinSchema },
  errors: [403, 404, 409],
  codes: ["TooManyTeams"],
});

export const listTestItwins = defineRoute({
  id: "listTestItwins",
  method: "GET",
  path: "/organizations/{orgId}/test-itwins",
  group: "itwins",
  auth: true,
  tag: "Test iTwins",
  summary: "List the Test iTwins you participate in",
  description:
    "Only those you participate in, whatever your role. Members without a role get 403, people outside the organisation 404.",
  params: orgParams,
  query: pageQuery,
  success: {
    status: 200,
    description: "A page of Test iTwins",
    schema: pageOf(itwinSchema).meta({ id: "TestItwinPage" }),
  },
  errors: [403, 404],
});

export const getTestItwin = defineRoute({
  id: "getTestItwin",
  method: "GET",
  path: "/test-itwins/{id}",
  group: "itwins",
  auth: true,
  tag: "Test iTwins",
  summary: "Read a Test iTwin",
  description: participantsOnly,
  params: testItwinParams,
  success: { status: 200, description: "The Test iTwin", schema: itwinSchema },
  errors: [403, 404],
});

export const renameTestItwin = defineRoute({
  id: "renameTestItwin",
  method: "PATCH",
  path: "/test-itwins/{id}",
  group: "itwins",
  auth: true,
  tag: "Test iTwins",
  summary: "Rename a Test iTwin",
  description: participantsOnly,
  params: testItwinParams,
  body: nameBody.meta({ id: "ChangeTestItwin" }),
  success: { status: 200, description: "The Test iTwin as changed", schema: itwinSchema },
  errors: [403, 404],
});

export const deleteTestItwin = defineRoute({
  id: "deleteTestItwin",
  method: "DELETE",
  path: "/test-itwins/{id}",
  group: "itwins",
  auth: true,
  tag: "Test iTwins",
  summary: "Delete a Test iTwin",
  description: `${participantsOnly} One participant is enough: the Test iTwin, its iModels and everything they hold are deleted.`,
  params: testItwinParams,
  success: { status: 204, description: "The Test iTwin was deleted" },
  errors: [403, 404],
});

export const addTestItwinParticipant = defineRoute({
  id: "addTestItwinParticipant",
  method: "POST",
  path: "/test-itwins/{id}/participants",
  group: "itwins",
  auth: true,
  idempotent: true,
  tag: "Test iTwins",
  summary: "Add a participant",
  description:
    `${participantsOnly} The new participant must be a member of the organisation (409 \`NotOrganizationMember\`) and holds every iModel permission. ` +
    "Adding someone who already participates answers their participation again.",
  params: testItwinParams,
  body: z.object({ userId }).strict().meta({ id: "AddTestItwinParticipant" }),
  success: { status: 201, description: "The participant was added", schema: participantSchema },
  errors: [403, 404, 409],
  codes: ["AlreadyTeamMember", "NotOrganizationMember", "TooManyTeams"],
});

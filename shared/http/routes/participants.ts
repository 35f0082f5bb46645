// Routes of Test iTwin participants beyond adding one (SPEC section 7): listing them and removing one.
import * as z from "zod";
import { defineRoute } from "../route";
import { pageOf, pageQuery, resourceId, userId } from "../schemas";
import { participantSchema, participantsOnly } from "./test-itwins";

export const listTestItwinParticipants = defineRoute({
  id: "listTestItwinParticipants",
  method: "GET",
  path: "/test-itwins/{id}/participants",
  group: "itwins",
  auth: true,
  tag: "Test iTwins",
  summary: "List the participants",
  description: `${participantsOnly} Page by page, strongly consistent.`,
  params: z.object({ id: resourceId }).strict(),
  query: pageQuery,
  success: {
    status: 200,
    description: "A page of participants",
    schema: pageOf(participantSchema).meta({ id: "TestItwinParticipantPage" }),
  },
  errors: [403, 404],
});

export const removeTestItwinParticipant = defineRoute({
  id: "removeTestItwinParticipant",
  method: "DELETE",
  path: "/test-itwins/{id}/participants/{userId}",
  group: "itwins",
  auth: true,
  tag: "Test iTwins",
  summary: "Remove a participant",
  description:
    `${participantsOnly} Any participant removes any participant, themselves included; it applies at once. ` +
    "The last participant stays (409 `LastParticipant`: delete the Test iTwin instead), also when two removals race. A user who does not participate: 404.",
  params: z.object({ id: resourceId, userId }).strict(),
  success: { status: 204, description: "The participant was removed" },
  errors: [403, 404, 409],
  codes: ["LastParticipant"],
});

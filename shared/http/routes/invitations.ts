// Routes of invitations by e-mail (SPEC section 7): the open ones, and withdrawing one.
import * as z from "zod";
import { defineRoute } from "../route";
import { email, pageOf, pageQuery, resourceId } from "../schemas";
import { invitationSchema } from "./organizations";

export const listInvitations = defineRoute({
  id: "listInvitations",
  method: "GET",
  path: "/organizations/{orgId}/invitations",
  group: "organizations",
  auth: true,
  tag: "Members",
  summary: "List the open invitations",
  description:
    "Subscription Managers only. The addresses invited and not yet taken, page by page; an expired invitation (`expiresAt` passed, INVITATION_DAYS after it was made, 14 by default) is not listed, " +
    "so a page may hold fewer than `limit` items: only a missing `next` ends the list.",
  params: z.object({ orgId: resourceId }).strict(),
  query: pageQuery,
  success: {
    status: 200,
    description: "A page of open invitations",
    schema: pageOf(invitationSchema).meta({ id: "InvitationPage" }),
  },
  errors: [403, 404],
});

export const withdrawInvitation = defineRoute({
  id: "withdrawInvitation",
  method: "DELETE",
  path: "/organizations/{orgId}/invitations/{email}",
  group: "organizations",
  auth: true,
  tag: "Members",
  summary: "Withdraw an invitation",
  description:
    "Subscription Managers only. The address may be in any case (invitations are kept in lower case). 404 when no open invitation to it exists (never made, taken, withdrawn or expired).",
  params: z.object({ orgId: resourceId, email }).strict(),
  success: { status: 204, description: "The invitation was withdrawn" },
  errors: [403, 404],
});

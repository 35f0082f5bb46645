// Routes of application owners beyond adding one (SPEC section 7): removing a listed owner.
import * as z from "zod";
import { defineRoute } from "../route";
import { resourceId, userId } from "../schemas";
import { applicationSchema } from "./applications";

export const removeApplicationOwner = defineRoute({
  id: "removeApplicationOwner",
  method: "DELETE",
  path: "/applications/{appId}/owners/{userId}",
  group: "portal",
  auth: true,
  tag: "Applications",
  summary: "Remove a listed owner",
  description:
    "Owners (and managers) remove a listed owner, themselves included; Developers who do not own the application get 404, members without a role 403. " +
    "The last listed owner stays (409 `LastApplicationOwner`), also when two removals race. A user who is not listed: 404.",
  params: z.object({ appId: resourceId, userId }).strict(),
  success: { status: 200, description: "The application with its remaining owners", schema: applicationSchema },
  errors: [403, 404, 409],
  codes: ["LastApplicationOwner"],
});

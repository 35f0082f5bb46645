// Schemas shared by the iTwin, Test iTwin and iModel routes (kept out of the route modules, whose exports are all spread into the route table).
import * as z from "zod";
import { builtInRoles } from "../domain/permissions";
import { resourceId } from "./schemas";

/** A built-in role name or the id of a custom role of the iTwin. */
export const roleRef = resourceId.describe(
  `A built-in role (${Object.keys(builtInRoles).join(", ")}) or the id of a custom role of the iTwin`,
);

export const itwinSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    kind: z.enum(["standard", "test"]).describe("`test`: a Test iTwin of the developer portal"),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: "Itwin" });

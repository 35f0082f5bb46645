// Routes of an iModel beyond SPEC section 2 (section 7): reading its own access list back, renaming it.
import * as z from "zod";
import { defineRoute } from "../route";
import { nameText, resourceId } from "../schemas";
import { accessListSchema, imodelSchema, needs } from "./imodels";

const imodelParams = z.object({ imodelId: resourceId }).strict();

export const getImodelAccess = defineRoute({
  id: "getImodelAccess",
  method: "GET",
  path: "/imodels/{imodelId}/access",
  group: "imodels",
  auth: true,
  tag: "iModels",
  summary: "Read an iModel's own access list",
  description: `${needs("imodels_manage")} The list as set by the last PUT, strongly consistent (up to 99 entries, one answer). 404 when the iModel has no own list (it inherits the iTwin's roles).`,
  params: imodelParams,
  success: { status: 200, description: "The iModel's own access list", schema: accessListSchema },
  errors: [403, 404],
});

export const renameImodel = defineRoute({
  id: "renameImodel",
  method: "PATCH",
  path: "/imodels/{imodelId}",
  group: "imodels",
  auth: true,
  tag: "iModels",
  summary: "Rename an iModel",
  description: needs("imodels_manage"),
  params: imodelParams,
  body: z
    .object({ name: nameText(200) })
    .strict()
    .meta({ id: "ChangeIModel" }),
  success: { status: 200, description: "The iModel as changed", schema: imodelSchema },
  errors: [403, 404],
});

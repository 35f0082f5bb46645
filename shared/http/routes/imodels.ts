// Routes of iModels (SPEC section 2): the iModels of an iTwin, effective permissions, per-iModel access, and the work permissions guard.
import * as z from "zod";
import { MAX_LIST_ENTRIES } from "../../domain/imodel";
import { levelPermissions, permissions } from "../../domain/permissions";
import { roleRef } from "../itwin-schemas";
import { defineRoute } from "../route";
import { nameText, pageOf, pageQuery, resourceId, userId } from "../schemas";

const imodelPermission = z.enum(permissions).meta({ id: "ImodelPermission" });

export const imodelSchema = z
  .object({
    id: z.string(),
    itwinId: z.string(),
    name: z.string(),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    changesetCount: z.number().int().describe("Changesets pushed so far; the latest has this index"),
    ownAccessList: z
      .boolean()
      .describe(
        "True while the iModel has its own access list, which then replaces the iTwin's roles (but for delete)",
      ),
  })
  .meta({ id: "IModel" });

export const accessListSchema = z
  .object({
    imodelId: z.string(),
    ownAccessList: z.boolean(),
    members: z.array(
      z.object({ userId: z.string(), roles: z.array(z.string()), permissions: z.array(imodelPermission) }),
    ),
  })
  .meta({ id: "IModelAccessList" });

const briefcaseSchema = z
  .object({ id: z.string(), imodelId: z.string(), ownerId: z.string(), createdAt: z.iso.datetime() })
  .meta({ id: "Briefcase" });

const changesetSchema = z
  .object({
    id: z.string(),
    imodelId: z.string(),
    index: z.number().int().min(1).describe("1, 2, 3, ... in push order, without gaps"),
    description: z.string().optional(),
    briefcaseId: z.string().optional(),
    pushedBy: z.string(),
    pushedAt: z.iso.datetime(),
  })
  .meta({ id: "Changeset" });

const namedVersionSchema = z
  .object({
    id: z.string(),
    imodelId: z.string(),
    name: z.string(),
    description: z.string().optional(),
    changesetIndex: z.number().int().min(0).describe("The changeset it names; 0 is the empty iModel"),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "NamedVersion" });

const lockSchema = z
  .object({
    imodelId: z.string(),
    objectId: z.string(),
    briefcaseId: z.string(),
    ownerId: z.string(),
    acquiredAt: z.iso.datetime(),
  })
  .meta({ id: "Lock" });

const itwinParams = z.object({ itwinId: resourceId }).strict();
const imodelParams = z.object({ imodelId: resourceId }).strict();

/** How a description states the permission an operation needs. */
export const needs = (permission: string) =>
  `Needs \`${permission}\` on the iModel (from its own access list if it has one, else from your iTwin roles); ` +
  "403 when you lack it, 404 when you are not on the iTwin's team.";

export const createImodel = defineRoute({
  id: "createImodel",
  method: "POST",
  path: "/itwins/{itwinId}/imodels",
  group: "imodels",
  auth: true,
  idempotent: true,
  tag: "iModels",
  summary: "Create an iModel",
  description:
    "Needs `imodels_manage` in your iTwin roles (per-iModel lists cannot give it). 404 when you are not on the iTwin's team. " +
    "Send an `Idempotency-Key` header to make retries safe.",
  params: itwinParams,
  body: z
    .object({ name: nameText(200) })
    .strict()
    .meta({ id: "CreateIModel" }),
  success: { status: 201, description: "The iModel was created", schema: imodelSchema },
  errors: [403, 404],
});

export const listImodels = defineRoute({
  id: "listImodels",
  method: "GET",
  path: "/itwins/{itwinId}/imodels",
  group: "imodels",
  auth: true,
  tag: "iModels",
  summary: "List the iModels you may view",
  description:
    "Only iModels where you hold `imodels_webview`; pages are filled past the others. 404 when you are not on the iTwin's team.",
  params: itwinParams,
  query: pageQuery,
  success: { status: 200, description: "A page of iModels", schema: pageOf(imodelSchema).meta({ id: "IModelPage" }) },
  errors: [404],
});

export const getImodel = defineRoute({
  id: "getImodel",
  method: "GET",
  path: "/imodels/{imodelId}",
  group: "imodels",
  auth: true,
  tag: "iModels",
  summary: "Read an iModel",
  description: needs("imodels_webview"),
  params: imodelParams,
  success: { status: 200, description: "The iModel", schema: imodelSchema },
  errors: [403, 404],
});

export const deleteImodel = defineRoute({
  id: "deleteImodel",
  method: "DELETE",
  path: "/imodels/{imodelId}",
  group: "imodels",
  auth: true,
  tag: "iModels",
  summary: "Delete an iModel",
  description:
    "Needs `imodels_delete` in your iTwin roles (a per-iModel list neither gives nor takes it). Deletes the iModel and everything it holds. " +
    "403 when you lack it, 404 when you are not on the iTwin's team.",
  params: imodelParams,
  success: { status: 204, description: "The iModel was deleted" },
  errors: [403, 404],
});

export const getImodelPermissions = defineRoute({
  id: "getImodelPermissions",
  method: "GET",
  path: "/imodels/{imodelId}/permissions",
  group: "imodels",
  auth: true,
  tag: "iModels",
  summary: "Your effective permissions on an iModel",
  description:
    "What you may do on this iModel now, answered from one strongly consistent DynamoDB request. With its own access list, the list's " +
    "permissions plus `imodels_delete` if your iTwin roles give it; otherwise your iTwin roles'. Any team member may ask (possibly getting an empty list); 404 otherwise.",
  params: imodelParams,
  success: {
    status: 200,
    description: "Your permissions",
    schema: z.object({ permissions: z.array(imodelPermission) }).meta({ id: "IModelPermissions" }),
  },
  errors: [404],
});

export const setImodelAccess = defineRoute({
  id: "setImodelAccess",
  method: "PUT",
  path: "/imodels/{imodelId}/access",
  group: "imodels",
  auth: true,
  tag: "iModels",
  summary: "Give an iModel its own access list",
  description:
    `${needs("imodels_manage")} Replaces any earlier list; from the next request only this list applies to the iModel (it restricts and it grants): ` +
    "team members not on it lose everything; `imodels_delete` from the iTwin counts only for members it gives Manage (permissions stay cumulative). Roles are View, Read, Write, Manage or custom role ids; their permissions are cut to " +
    `${levelPermissions.Manage.join(", ")}. Members must be on the iTwin's team (409 \`NotTeamMember\`); someone must keep Manage (409 \`AccessListWithoutManager\`). ` +
    "A member with `team_manage` on the iTwin may always replace a list (so one whose Manage holders left is never stuck), giving only what they hold on the iModel or in the iTwin. " +
    "Entries plus distinct custom roles named: at most 99 (400). Not available in Test iTwins (409 `TestItwinAccess`).",
  params: imodelParams,
  body: z
    .object({
      members: z
        .array(z.object({ userId, roles: z.array(roleRef).min(1).max(20) }).strict())
        .min(1)
        .max(MAX_LIST_ENTRIES)
        // One entry per user: two would be two writes of one item in the list's transaction.
        .refine((entries) => new Set(entries.map((e) => e.userId)).size === entries.length, "user ids must be unique"),
    })
    .strict()
    .meta({ id: "SetIModelAccess" }),
  success: { status: 200, description: "The iModel's access list", schema: accessListSchema },
  errors: [403, 404, 409],
  codes: ["TestItwinAccess", "AccessListWithoutManager", "NotTeamMember"],
});

export const clearImodelAccess = defineRoute({
  id: "clearImodelAccess",
  method: "DELETE",
  path: "/imodels/{imodelId}/access",
  group: "imodels",
  auth: true,
  tag: "iModels",
  summary: "Remove an iModel's own access list",
  description: `${needs("imodels_manage")} A member with \`team_manage\` on the iTwin may always remove a list. From the next request the iTwin's roles apply again. Answers 204 also when there was no list.`,
  params: imodelParams,
  success: { status: 204, description: "The iModel inherits the iTwin's roles" },
  errors: [403, 404, 409],
  codes: ["TestItwinAccess"],
});

export const listChangesets = defineRoute({
  id: "listChangesets",
  method: "GET",
  path: "/imodels/{imodelId}/changesets",
  group: "imodels",
  auth: true,
  tag: "iModel timeline",
  summary: "Read the changeset timeline",
  description: `${needs("imodels_read")} Oldest first.`,
  params: imodelParams,
  query: pageQuery,
  success: {
    status: 200,
    description: "A page of changesets",
    schema: pageOf(changesetSchema).meta({ id: "ChangesetPage" }),
  },
  errors: [403, 404],
});

export const pushChangeset = defineRoute({
  id: "pushChangeset",
  method: "POST",
  path: "/imodels/{imodelId}/changesets",
  group: "imodels",
  auth: true,
  idempotent: true,
  tag: "iModel timeline",
  summary: "Push a changeset",
  description:
    `${needs("imodels_write")} Appended at the next index, also under concurrent pushes. From a briefcase of yours (\`briefcaseId\`; 409 \`NotYourBriefcase\` otherwise), ` +
    "`locks` names the objects the changeset changes: the briefcase takes their locks and keeps them until released; an object locked by another " +
    "briefcase answers 409 `LockHeldByAnotherBriefcase`. Send an `Idempotency-Key` header to make retries safe.",
  params: imodelParams,
  body: z
    .object({
      description: z.string().max(1000).optional(),
      briefcaseId: resourceId.optional(),
      locks: z
        .array(resourceId)
        .max(50)
        .optional()
        .describe("Ids of the elements or models this changeset changes; needs `briefcaseId`"),
    })
    .strict()
    .refine((b) => !b.locks?.length || b.briefcaseId, {
      message: "locks are taken by a briefcase: give `briefcaseId`",
      path: ["briefcaseId"],
    })
    .meta({ id: "PushChangeset" }),
  success: { status: 201, description: "The changeset was appended", schema: changesetSchema },
  errors: [403, 404, 409],
  codes: ["LockHeldByAnotherBriefcase", "NotYourBriefcase", "TooManyLocks"],
});

export const listNamedVersions = defineRoute({
  id: "listNamedVersions",
  method: "GET",
  path: "/imodels/{imodelId}/named-versions",
  group: "imodels",
  auth: true,
  tag: "iModel timeline",
  summary: "List named versions",
  description: needs("imodels_read"),
  params: imodelParams,
  query: pageQuery,
  success: {
    status: 200,
    description: "A page of named versions",
    schema: pageOf(namedVersionSchema).meta({ id: "NamedVersionPage" }),
  },
  errors: [403, 404],
});

export const createNamedVersion = defineRoute({
  id: "createNamedVersion",
  method: "POST",
  path: "/imodels/{imodelId}/named-versions",
  group: "imodels",
  auth: true,
  idempotent: true,
  tag: "iModel timeline",
  summary: "Create a named version",
  description:
    `${needs("imodels_write")} Names the changeset at \`changesetIndex\` (default: the latest; 0: the empty iModel). ` +
    "Send an `Idempotency-Key` header to make retries safe.",
  params: imodelParams,
  body: z
    .object({
      name: nameText(200),
      description: z.string().max(1000).optional(),
      changesetIndex: z.number().int().min(0).optional(),
    })
    .strict()
    .meta({ id: "CreateNamedVersion" }),
  success: { status: 201, description: "The named version was created", schema: namedVersionSchema },
  errors: [403, 404],
});

export const modifyNamedVersion = defineRoute({
  id: "modifyNamedVersion",
  method: "PATCH",
  path: "/named-versions/{id}",
  group: "imodels",
  auth: true,
  tag: "iModel timeline",
  summary: "Modify a named version",
  description: `${needs("imodels_write")} \`description: null\` removes the description.`,
  params: z.object({ id: resourceId }).strict(),
  body: z
    .object({ name: nameText(200).optional(), description: z.string().max(1000).nullable().optional() })
    .strict()
    .refine((b) => b.name !== undefined || b.description !== undefined, "give `name` or `description`")
    .meta({ id: "ChangeNamedVersion" }),
  success: { status: 200, description: "The named version as changed", schema: namedVersionSchema },
  errors: [403, 404],
});

export const createBriefcase = defineRoute({
  id: "createBriefcase",
  method: "POST",
  path: "/imodels/{imodelId}/briefcases",
  group: "imodels",
  auth: true,
  idempotent: true,
  tag: "iModel timeline",
  summary: "Get a local copy (briefcase)",
  description: `${needs("imodels_read")} The briefcase is yours: push from it and hold locks with it. Send an \`Idempotency-Key\` header to make retries safe.`,
  params: imodelParams,
  success: { status: 201, description: "The briefcase was acquired", schema: briefcaseSchema },
  errors: [403, 404],
});

export const listLocks = defineRoute({
  id: "listLocks",
  method: "GET",
  path: "/imodels/{imodelId}/locks",
  group: "imodels",
  auth: true,
  tag: "iModel timeline",
  summary: "List the locks held in an iModel",
  description: needs("imodels_read"),
  params: imodelParams,
  query: pageQuery,
  success: { status: 200, description: "A page of locks", schema: pageOf(lockSchema).meta({ id: "LockPage" }) },
  errors: [403, 404],
});

export const releaseLocks = defineRoute({
  id: "releaseLocks",
  method: "DELETE",
  path: "/imodels/{imodelId}/locks/{briefcaseId}",
  group: "imodels",
  auth: true,
  tag: "iModel timeline",
  summary: "Release every lock a briefcase holds",
  description:
    "Your own briefcase's locks need `imodels_write` (you took them by pushing); another user's need `imodels_manage` " +
    '("manage locks ... for the entire iModel"). 403 when you lack it, 404 when you are not on the iTwin\'s team or the briefcase is unknown.',
  params: z.object({ imodelId: resourceId, briefcaseId: resourceId }).strict(),
  success: { status: 204, description: "The briefcase holds no locks" },
  errors: [403, 404],
});

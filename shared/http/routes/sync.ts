// Routes of synchronization: connections, their source files and runs, ownership, and the caller's sync token (SPEC section 3).
import * as z from "zod";
import { MAX_CONNECTION_FILES } from "../../domain/connection";
import { defineRoute } from "../route";
import { lineText, nameText, pageOf, pageQuery, resourceId, userId } from "../schemas";

const fileId = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, "must be 1-128 letters, digits, '.', '_' or '-'");
const fileSchema = z
  .object({
    id: fileId,
    name: nameText(256),
    version: lineText(128).describe(
      "The source's version; a run syncs files whose version changed since the last successful run",
    ),
  })
  .strict()
  .meta({ id: "SourceFile" });
const files = z
  .array(fileSchema)
  .max(MAX_CONNECTION_FILES)
  .refine((list) => new Set(list.map((f) => f.id)).size === list.length, "file ids must be unique");

const scheduleSchema = z
  .union([
    z
      .object({ every: z.string().max(32).describe("ISO 8601 duration between PT5M and P31D, e.g. PT1H or P1D") })
      .strict(),
    z
      .object({
        cron: z
          .string()
          .max(100)
          .describe("Five-field cron expression in UTC: minute hour day-of-month month day-of-week"),
      })
      .strict(),
  ])
  .meta({ id: "Schedule" });

const runReason = z.enum(["OwnerTokenExpired", "OwnerLacksPermission", "Interrupted", "ConnectionDeleted"]);

export const connectionSchema = z
  .object({
    id: z.string(),
    imodelId: z.string(),
    name: z.string(),
    ownerId: z.string().describe("Scheduled runs act on this user's behalf, with their current access rights"),
    files: z.array(fileSchema),
    schedule: scheduleSchema.optional(),
    nextDueAt: z.iso.datetime().optional(),
    activeRunId: z.string().optional().describe("The queued or running run, if any"),
    lastRun: z
      .object({
        id: z.string(),
        state: z.enum(["succeeded", "failed"]),
        reason: runReason.optional(),
        finishedAt: z.iso.datetime(),
      })
      .optional()
      .describe("The last run that ended"),
    failingSince: z.iso
      .datetime()
      .optional()
      .describe("When the first failed run since the last successful one ended; absent while runs succeed"),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "Connection" });

export const runSchema = z
  .object({
    id: z.string(),
    connectionId: z.string(),
    trigger: z.enum(["manual", "scheduled"]),
    ownerId: z.string().describe("The owner the run acted for"),
    state: z.enum(["queued", "running", "succeeded", "failed"]),
    reason: runReason.optional(),
    queuedAt: z.iso.datetime(),
    startedAt: z.iso.datetime().optional(),
    finishedAt: z.iso.datetime().optional(),
    changesetIndex: z.number().int().optional().describe("The changeset the run appended, when files had changed"),
    changedFiles: z.array(z.string()).optional(),
  })
  .meta({ id: "Run" });

export const tokenSchema = z
  .object({ status: z.enum(["valid", "expired", "unknown"]), expiresAt: z.iso.datetime().optional() })
  .meta({ id: "SyncTokenStatus" });

const ownershipSchema = z
  .object({
    connection: connectionSchema,
    newOwner: z.object({
      userId: z.string(),
      token: tokenSchema,
      advice: z.string().optional().describe("Present when the new owner's token is not valid: a manual run renews it"),
    }),
    warnings: z
      .array(
        z
          .object({ code: z.enum(["OwnerTokenNotValid", "OwnerLacksWrite"]), message: z.string() })
          .meta({ id: "OwnershipWarning" }),
      )
      .describe(
        "Why the new owner's scheduled runs would fail: `OwnerTokenNotValid` (their token is unknown or expired), `OwnerLacksWrite` (they cannot push changesets)",
      ),
  })
  .meta({ id: "OwnershipChange" });

const imodelParams = z.object({ imodelId: resourceId }).strict();
const connectionParams = z.object({ connectionId: resourceId }).strict();

export const createConnection = defineRoute({
  id: "createConnection",
  method: "POST",
  path: "/imodels/{imodelId}/connections",
  group: "sync",
  auth: true,
  idempotent: true,
  tag: "Synchronization",
  summary: "Create a connection",
  description:
    "Needs imodels_write on the iModel. The creator becomes the owner: scheduled runs act on their behalf. A visit: the creator's synchronization token is issued or renewed with the connection.",
  params: imodelParams,
  body: z
    .object({ name: nameText(200), files, schedule: scheduleSchema.optional() })
    .strict()
    .meta({ id: "CreateConnection" }),
  success: { status: 201, description: "The connection was created", schema: connectionSchema },
  errors: [403, 404],
});

export const listConnections = defineRoute({
  id: "listConnections",
  method: "GET",
  path: "/imodels/{imodelId}/connections",
  group: "sync",
  auth: true,
  tag: "Synchronization",
  summary: "List an iModel's connections",
  description: "Needs imodels_read on the iModel.",
  params: imodelParams,
  query: pageQuery,
  success: {
    status: 200,
    description: "A page of connections",
    schema: pageOf(connectionSchema).meta({ id: "ConnectionPage" }),
  },
  errors: [403, 404],
});

export const getConnection = defineRoute({
  id: "getConnection",
  method: "GET",
  path: "/connections/{connectionId}",
  group: "sync",
  auth: true,
  tag: "Synchronization",
  summary: "Read a connection",
  description:
    "Needs imodels_read on the connection's iModel. Shows the last run that ended (`lastRun`) and, while runs fail, since when (`failingSince`). A visit: the caller's synchronization token is issued or renewed.",
  params: connectionParams,
  success: { status: 200, description: "The connection", schema: connectionSchema },
  errors: [403, 404],
});

export const editConnection = defineRoute({
  id: "editConnection",
  method: "PATCH",
  path: "/connections/{connectionId}",
  group: "sync",
  auth: true,
  tag: "Synchronization",
  summary: "Edit a connection",
  description: "Needs imodels_write. `schedule: null` removes the schedule; a new schedule counts from now.",
  params: connectionParams,
  body: z
    .object({ name: nameText(200).optional(), files: files.optional(), schedule: scheduleSchema.nullable().optional() })
    .strict()
    .refine((b) => Object.keys(b).length > 0, "give at least one of name, files, schedule")
    .meta({ id: "EditConnection" }),
  success: { status: 200, description: "The connection as changed", schema: connectionSchema },
  errors: [403, 404, 409],
  codes: ["TooManyFiles", "TokenChanged"],
});

export const deleteConnection = defineRoute({
  id: "deleteConnection",
  method: "DELETE",
  path: "/connections/{connectionId}",
  group: "sync",
  auth: true,
  tag: "Synchronization",
  summary: "Delete a connection",
  description: "Needs imodels_write. Refused while a run is queued or running (409 `RunInProgress`).",
  params: connectionParams,
  success: { status: 204, description: "The connection was deleted" },
  errors: [403, 404, 409],
  codes: ["RunInProgress", "TokenChanged"],
});

export const setFileVersion = defineRoute({
  id: "setFileVersion",
  method: "PUT",
  path: "/connections/{connectionId}/files/{fileId}",
  group: "sync",
  auth: true,
  tag: "Synchronization",
  summary: "Set a source file's version (or add the file)",
  description: "Needs imodels_write. The next run syncs the files whose version changed since the last successful run.",
  params: z.object({ connectionId: resourceId, fileId }).strict(),
  body: z
    .object({ version: lineText(128), name: nameText(256).optional() })
    .strict()
    .meta({ id: "SetFileVersion" }),
  success: { status: 200, description: "The file as stored", schema: fileSchema },
  errors: [403, 404, 409],
  codes: ["TooManyFiles", "TokenChanged"],
});

export const transferOwnership = defineRoute({
  id: "transferOwnership",
  method: "POST",
  path: "/connections/{connectionId}/owner",
  group: "sync",
  auth: true,
  tag: "Synchronization",
  summary: "Hand the connection to another team member",
  description:
    "By the owner or a holder of imodels_manage; handing it to oneself is a take. The new owner must be in the iTwin's team and have interacted with the iModel " +
    "(409 `NewOwnerNeverInteracted`); refused while a run is queued or running (409 `RunInProgress`). The new owner is e-mailed unless they acted, the original owner " +
    "unless they acted; the answer tells the new owner's token state and carries `warnings`. A visit for the caller (their token is issued or renewed).",
  params: connectionParams,
  body: z.object({ userId }).strict().meta({ id: "TransferOwnership" }),
  success: { status: 200, description: "The connection with its new owner", schema: ownershipSchema },
  errors: [403, 404, 409],
  codes: ["RunInProgress", "NewOwnerNeverInteracted", "NewOwnerNotTeamMember", "AlreadyOwner", "TokenChanged"],
});

export const takeOwnership = defineRoute({
  id: "takeOwnership",
  method: "POST",
  path: "/connections/{connectionId}/owner:take",
  group: "sync",
  auth: true,
  tag: "Synchronization",
  summary: "Take ownership of the connection",
  description:
    "Any team member (View included) who has interacted with the iModel. The original owner is e-mailed. Same refusals as a transfer. A visit: the caller's token is issued or renewed.",
  params: connectionParams,
  success: { status: 200, description: "The connection with its new owner (the caller)", schema: ownershipSchema },
  errors: [403, 404, 409],
  codes: ["RunInProgress", "NewOwnerNeverInteracted", "NewOwnerNotTeamMember", "AlreadyOwner", "TokenChanged"],
});

export const startRun = defineRoute({
  id: "startRun",
  method: "POST",
  path: "/connections/{connectionId}/runs",
  group: "sync",
  auth: true,
  idempotent: true,
  tag: "Synchronization",
  summary: "Run the connection now",
  description:
    "Needs imodels_write. Answers the run `queued`; it then executes in the background, on the owner's behalf, and ends `succeeded` (with the changeset it appended, if files changed) or `failed` with a reason: " +
    "follow it with `GET /runs/{runId}`. When the owner starts it, their token is issued or renewed in the same transaction that queues it. " +
    "Refused while another run is queued or running (409 `RunInProgress` with its id).",
  params: connectionParams,
  success: { status: 201, description: "The run, queued", schema: runSchema },
  errors: [403, 404, 409],
  codes: ["RunInProgress", "TokenChanged"],
});

export const listRuns = defineRoute({
  id: "listRuns",
  method: "GET",
  path: "/connections/{connectionId}/runs",
  group: "sync",
  auth: true,
  tag: "Synchronization",
  summary: "List a connection's runs, newest first",
  description: "Needs imodels_read.",
  params: connectionParams,
  query: pageQuery,
  success: { status: 200, description: "A page of runs", schema: pageOf(runSchema).meta({ id: "RunPage" }) },
  errors: [403, 404],
});

export const getRun = defineRoute({
  id: "getRun",
  method: "GET",
  path: "/runs/{runId}",
  group: "sync",
  auth: true,
  tag: "Synchronization",
  summary: "Read a run",
  description: "Needs imodels_read on the run's iModel.",
  params: z.object({ runId: resourceId }).strict(),
  success: { status: 200, description: "The run", schema: runSchema },
  errors: [403, 404],
});

export const getSyncToken = defineRoute({
  id: "getSyncToken",
  method: "GET",
  path: "/me/sync-token",
  group: "sync",
  auth: true,
  tag: "Synchronization",
  summary: "Your synchronization token's state",
  description: "Status and expiry only; the token's secret never leaves the service.",
  success: { status: 200, description: "The token's state", schema: tokenSchema },
  errors: [],
});

export const visitSyncPortal = defineRoute({
  id: "visitSyncPortal",
  method: "POST",
  path: "/me/sync-token",
  group: "sync",
  auth: true,
  tag: "Synchronization",
  summary: "Visit the synchronization portal",
  description:
    "Issues a token valid 30 days when yours is unknown or expired, renews it to 30 days from now in its last 10 days, and otherwise changes nothing.",
  success: { status: 200, description: "The token's state after the visit", schema: tokenSchema },
  errors: [],
});

// Routes of synchronization beyond the seeds (SPEC section 7): the connections I own, and cancelling a run. Pausing is `paused` on PATCH /connections/{connectionId}.
import * as z from "zod";
import { defineRoute } from "../route";
import { pageOf, pageQuery, resourceId } from "../schemas";
import { lastRunSchema, runSchema, scheduleSchema, tokenSchema } from "./sync";

export const ownedConnectionSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    imodelId: z.string(),
    itwinId: z.string(),
    schedule: scheduleSchema.optional(),
    paused: z.boolean().describe("No scheduled run while true"),
    nextDueAt: z.iso
      .datetime()
      .optional()
      .describe("When the next scheduled run is due; absent without a schedule and while paused"),
    activeRunId: z.string().optional().describe("The queued or running run, if any"),
    lastRun: lastRunSchema.optional(),
    failingSince: z.iso.datetime().optional().describe("When runs started failing; absent while they succeed"),
    ownerToken: tokenSchema.describe(
      "Your synchronization token, which every scheduled run of the connection uses: runs fail `OwnerTokenExpired` unless it is valid",
    ),
  })
  .meta({ id: "OwnedConnection" });

export const listMyConnections = defineRoute({
  id: "listMyConnections",
  method: "GET",
  path: "/me/connections",
  group: "sync",
  auth: true,
  tag: "Synchronization",
  summary: "List the connections you own",
  description:
    "Every connection whose owner you are (its scheduled runs act on your behalf), ordered by id (so grouped by iModel), with its schedule, whether it is paused, " +
    "its next due time, its last run and your token's state. One request; the list follows a change of owner within about a second (an index), " +
    "while `GET /connections/{connectionId}` is always current. Not a visit: your token is shown as it is.",
  query: pageQuery,
  success: {
    status: 200,
    description: "A page of your connections",
    schema: pageOf(ownedConnectionSchema).meta({ id: "OwnedConnectionPage" }),
  },
  errors: [],
});

export const cancelRun = defineRoute({
  id: "cancelRun",
  method: "POST",
  path: "/runs/{runId}/cancel",
  group: "sync",
  auth: true,
  tag: "Synchronization",
  summary: "Cancel a queued or running run",
  description:
    "Needs imodels_write on the run's iModel (as starting a run). The run ends `failed` with reason `Cancelled` and the connection is free at once " +
    "(a new run may start); a worker that was running it stops at its next step and appends no changeset. A run that already ended answers 409 `RunEnded`, " +
    "also when it ends at the same moment. A visit: the caller's token is issued or renewed.",
  params: z.object({ runId: resourceId }).strict(),
  success: { status: 200, description: "The run, cancelled", schema: runSchema },
  errors: [403, 404, 409],
  codes: ["RunEnded", "TokenChanged"],
});

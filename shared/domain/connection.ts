// Synchronization connections and their runs (seed sync-connection-ownership.txt): who owns one, when it runs, what a run syncs.
import type { RunStreak } from "./run-failures";
import type { Schedule } from "./schedule";

/**
 * How many source files one connection lists, on every path that adds one (creation, edit, PUT of one
 * file): the files live inside the connection item, which DynamoDB caps at 400 KB.
 */
export const MAX_CONNECTION_FILES = 100;

export interface SourceFile {
  id: string;
  name: string;
  /** The source's version; a run syncs the files whose version changed since the last successful run. */
  version: string;
}

export interface Connection extends RunStreak {
  id: string;
  imodelId: string;
  itwinId: string;
  /** The organisation of its iTwin: dispatch interleaves organisations from the `due` index alone, and a failing streak is told to the owner's address in it (absent on older items: the iTwin stands in). */
  orgId?: string;
  name: string;
  ownerId: string;
  /** Every owner since creation, with the moment and the connection version of the change (runs are ordered by the same version). */
  owners: { userId: string; from: string; version: number }[];
  files: SourceFile[];
  schedule?: Schedule;
  /** When the schedule was set: intervals count from it. */
  scheduleAnchor?: string;
  nextDueAt?: string;
  /** The schedule is paused: no `nextDueAt` and no due entry while true (./connection-pause.ts). */
  paused?: boolean;
  /** The queued or running run; at most one (section 3). */
  activeRunId?: string;
  /** File versions as of the last successful run. */
  synced: Record<string, string>;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export type RunState = "queued" | "running" | "succeeded" | "failed";
export type RunReason =
  | "OwnerTokenExpired"
  | "OwnerLacksPermission"
  | "Interrupted"
  | "ConnectionDeleted"
  /** Someone stopped it (`POST /runs/{runId}/cancel`, ./run-cancel.ts). */
  | "Cancelled";

export interface Run {
  id: string;
  connectionId: string;
  imodelId: string;
  itwinId: string;
  trigger: "manual" | "scheduled";
  /** The owner the run acts for: fixed when it starts, because the owner cannot change while it is active. */
  ownerId: string;
  state: RunState;
  reason?: RunReason;
  queuedAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** A run still active after this moment is failed as Interrupted by the trigger. */
  leaseUntil: string;
  /** The connection's version when the run was queued and when it ended: no ownership change lies between them. */
  queuedVersion?: number;
  finishedVersion?: number;
  /** The changeset the run appended, when files had changed. */
  changesetIndex?: number;
  changedFiles?: string[];
}

/** How long a run may stay queued or running before the trigger declares it Interrupted. */
export const RUN_LEASE_MS = 5 * 60 * 1000;

/** The files whose version differs from the one last synced. */
export function changedFiles(files: readonly SourceFile[], synced: Readonly<Record<string, string>>): SourceFile[] {
  return files.filter((f) => synced[f.id] !== f.version);
}

export const isActive = (state: RunState) => state === "queued" || state === "running";

// What synchronization's routes answer (connections, runs, a token's status), and what its use cases depend on.
import type { Clock } from "../clock";
import type { Connection, Run, SourceFile } from "../domain/connection";
import type { Schedule } from "../domain/schedule";
import { tokenStatus, type SyncOwner, type TokenStatus } from "../domain/sync-token";
import type { Jobs } from "../jobs";
import type { OutboxStore } from "../store/outbox";
import type { SyncStore } from "../store/sync-port";
import type { ImodelGuard } from "./imodel-access";
import type { notificationUseCases } from "./notifications";

export interface ConnectionView {
  id: string;
  imodelId: string;
  name: string;
  ownerId: string;
  files: SourceFile[];
  schedule?: Schedule;
  nextDueAt?: string;
  activeRunId?: string;
  lastRun?: Connection["lastRun"];
  failingSince?: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export const connectionView = (c: Connection): ConnectionView => ({
  id: c.id,
  imodelId: c.imodelId,
  name: c.name,
  ownerId: c.ownerId,
  files: c.files,
  ...(c.schedule ? { schedule: c.schedule, nextDueAt: c.nextDueAt } : {}),
  ...(c.activeRunId ? { activeRunId: c.activeRunId } : {}),
  ...(c.lastRun ? { lastRun: c.lastRun } : {}),
  ...(c.failingSince ? { failingSince: c.failingSince } : {}),
  createdBy: c.createdBy,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

export const runView = (r: Run) => ({
  id: r.id,
  connectionId: r.connectionId,
  trigger: r.trigger,
  ownerId: r.ownerId,
  state: r.state,
  ...(r.reason ? { reason: r.reason } : {}),
  queuedAt: r.queuedAt,
  ...(r.startedAt ? { startedAt: r.startedAt } : {}),
  ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}),
  ...(r.changesetIndex !== undefined ? { changesetIndex: r.changesetIndex } : {}),
  ...(r.changedFiles ? { changedFiles: r.changedFiles } : {}),
});

export const tokenView = (owner: SyncOwner | undefined, now: Date): { status: TokenStatus; expiresAt?: string } => {
  const status = tokenStatus(owner?.token, now);
  return status === "unknown" ? { status } : { status, expiresAt: owner!.token!.expiresAt };
};

export interface SyncDeps {
  sync: SyncStore;
  guard: ImodelGuard;
  outbox: OutboxStore;
  notifications: ReturnType<typeof notificationUseCases>;
  /** Where a manual run's execution and a change's mail go, so the request answers without waiting for them. */
  jobs: Jobs;
  clock: Clock;
  warningDays: readonly number[];
}

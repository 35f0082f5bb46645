// PATCH /connections/{id}: an edit that may pause or resume the schedule; a pause or resume alone is re-read and retried when a run or tick moved the connection meanwhile.
import type { Schedule } from "../domain/schedule";
import type { SourceFile } from "../domain/connection";
import type { Caller } from "../domain/caller";
import { retryingConcurrentChanges } from "./retry";
import type { syncUseCases } from "./sync";

export interface ConnectionChange {
  name?: string;
  files?: SourceFile[];
  schedule?: Schedule | null;
  paused?: boolean;
}

/**
 * Who may pause: whoever may change the schedule (imodels_write, `connectionRules.editConnection`), since a pause is
 * a schedule change. The write is the edit's one transaction: the connection Put conditioned on the version read,
 * its due entry gone while paused (the store writes due keys only with a `nextDueAt`).
 */
export function connectionPauseUseCases(deps: { sync: Pick<ReturnType<typeof syncUseCases>, "edit"> }) {
  return {
    async change(caller: Caller, connectionId: string, change: ConnectionChange) {
      const pauseOnly = change.paused !== undefined && Object.keys(change).length === 1;
      // A pause states the end result, so losing a race to a tick, a run's end or an edit is re-read and applied again;
      // an edit of names, files or schedule keeps answering 409 ConcurrentChange (the client decides what it meant).
      if (pauseOnly) return retryingConcurrentChanges(() => deps.sync.edit(caller, connectionId, change), 5);
      return deps.sync.edit(caller, connectionId, change);
    },
  };
}

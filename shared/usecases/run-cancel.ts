// POST /runs/{runId}/cancel: a queued or running run ends failed/Cancelled and frees its connection at once (SPEC section 7).
import { imodelOfRun } from "../child-ids";
import type { Clock } from "../clock";
import { connectionRules } from "../domain/connection-rules";
import { cancellable } from "../domain/run-cancel";
import { forbidden, notFound, runEnded } from "../errors";
import type { Caller } from "../domain/caller";
import type { TableRef } from "../store/dynamo";
import { cancelRun } from "../store/run-cancel";
import type { ImodelGuard } from "./imodel-access";
import type { visitsOf } from "./sync-visits";
import { runView } from "./sync-views";

/** Who may cancel a run: whoever may start one (imodels_write on its iModel). */
export const cancelNeeds = connectionRules.startRun;

export function runCancelUseCases(deps: {
  table: TableRef;
  guard: ImodelGuard;
  /** A cancel is a synchronization request, so a visit: the caller's token is written in the cancel's transaction. */
  visits: Pick<ReturnType<typeof visitsOf>, "withVisit">;
  clock: Clock;
}) {
  const { table, guard, visits, clock } = deps;
  return {
    /**
     * One read (the guard's BatchGetItem brings the run and the caller's token) and one transaction
     * (store/run-cancel.ts). The worker that holds the run finds it ended at its next write and appends nothing.
     */
    async cancel(caller: Caller, runId: string) {
      const imodelId = imodelOfRun(runId);
      if (!imodelId) throw notFound("run", runId);
      const access = await guard.open(caller, imodelId, {
        runId,
        callerToken: true,
        notFoundAs: { kind: "run", id: runId },
      });
      const run = access.run;
      if (!run) throw notFound("run", runId);
      if (!access.permissions.includes(cancelNeeds))
        throw forbidden(
          `Your permissions on iModel '${imodelId}' (${access.permissions.join(", ") || "none"}) do not include ${cancelNeeds}, needed to cancel a run`,
        );
      if (!cancellable(run.state)) throw runEnded(run.id, run.state);
      const cancelled = await visits.withVisit(caller, access.callerSyncOwner, (token) =>
        cancelRun(table, run, clock.now(), token),
      );
      await guard.touched(access);
      return runView(cancelled);
    },
  };
}

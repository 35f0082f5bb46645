// The scheduled trigger and the worker: EventBridge invokes it every few minutes (locally a timer and POST /_local/tick); the sync
// function invokes it asynchronously with a background job (a manual run to execute, mail to deliver).
import type { ScheduledEvent } from "aws-lambda";
import { wiring, workerApp } from "../../shared/app";
import { isJobEvent, type JobEvent } from "../../shared/jobs-lambda";
import { logger } from "../../shared/log";
import { recordTick } from "../../shared/metrics";

const app = workerApp(wiring());

export const handler = async (event?: Partial<ScheduledEvent> | JobEvent) => {
  if (isJobEvent(event)) {
    // Jobs are idempotent; a failure is thrown so that Lambda retries the invoke (the outbox and the run's lease cover the rest).
    await app.work(event.job);
    logger.info("job", { job: event.job.kind });
    return { job: event.job.kind };
  }
  const started = performance.now();
  const summary = await app.tick.run();
  logger.info("tick", { ...summary });
  recordTick(summary.work, Math.round(performance.now() - started));
  return summary;
};

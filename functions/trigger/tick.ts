// The scheduled trigger: EventBridge invokes it every few minutes (locally a timer and POST /_local/tick).
import type { ScheduledEvent } from "aws-lambda";
import { syncApp, wiring } from "../../shared/app";
import { logger } from "../../shared/log";
import { recordTick } from "../../shared/metrics";

const app = syncApp(wiring());

export const handler = async (_event?: Partial<ScheduledEvent>) => {
  const started = performance.now();
  const summary = await app.tick.run();
  logger.info("tick", { ...summary });
  recordTick(summary.work, Math.round(performance.now() - started));
  return summary;
};

// The scheduled trigger: EventBridge invokes it every few minutes (locally a timer and POST /_local/tick).
import type { ScheduledEvent } from "aws-lambda";
import { makeApp } from "../../shared/app";
import { logger } from "../../shared/log";

const app = makeApp();

export const handler = async (_event?: Partial<ScheduledEvent>) => {
  const summary = await app.tick.run();
  logger.info("tick", { ...summary });
  return summary;
};

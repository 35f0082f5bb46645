// The service's one logger (JSON, Powertools): request id and user id are appended per request, never tokens.
import { Logger } from "@aws-lambda-powertools/logger";

export const logger = new Logger({ serviceName: "twin-access" });

// Points the handlers' configuration at the servers global setup started, before any handler module loads.
import { inject } from "vitest";
import { configureHandlers } from "../../infra/local/stack";

process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
configureHandlers({ dynamodbEndpoint: inject("dynamodbEndpoint"), sesEndpoint: inject("sesEndpoint"), tableName: inject("tableName") });

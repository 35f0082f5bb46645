// Points the handlers at the servers global setup started, with a table of this test file's own (so one file's clock and ticks never touch another's data), before any handler module loads.
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { configureHandlers } from "../../infra/local/stack";
import { ensureTable } from "../../infra/local/tables";

process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
const tableName = `${inject("tableName")}-${randomBytes(4).toString("hex")}`;
await ensureTable(inject("dynamodbEndpoint"), tableName);
configureHandlers({ dynamodbEndpoint: inject("dynamodbEndpoint"), sesEndpoint: inject("sesEndpoint"), tableName });

// `npm start`: DynamoDB Local, the SES server, the gateway on 127.0.0.1:3000 and the trigger on a timer; data kept under .local/.
import { writeFileSync } from "node:fs";
import { clockOffset, setClockOffset } from "../../shared/clock";
import { javaAvailable, javaMissingHelp, startDynamoDbLocal } from "./dynamodb";
import { createLambdaServer } from "./lambda";
import { startSesLocal } from "./ses";
import { bundledHandlers, ensureSynthesized } from "./bundles";
import { buildGateway, listen, runTick, tickHandler } from "./stack";
import { ensureTable } from "./tables";
import { clockFile, dynamodbDir, keyFile, readClockOffset, tableName } from "./paths";
import { loadIssuer, localAudience } from "./tokens";
import { closeServer } from "./close-server";

async function main() {
  if (!javaAvailable()) {
    console.error(javaMissingHelp);
    process.exit(1);
  }
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const port = Number(process.env.PORT ?? 3000);
  const sesPort = Number(process.env.SES_PORT ?? 8005);
  const tickEverySeconds = Number(process.env.TICK_EVERY_SECONDS ?? 60);
  process.env.POWERTOOLS_LOG_LEVEL ??= "WARN";
  // Metrics are for CloudWatch; locally they would only fill the terminal.
  process.env.POWERTOOLS_METRICS_DISABLED ??= "true";

  // The bundles `cdk deploy` uploads instead of the TypeScript sources: built first when cdk.out is missing or stale.
  if (bundledHandlers()) ensureSynthesized();
  setClockOffset(readClockOffset());
  const dynamodb = await startDynamoDbLocal({
    port: Number(process.env.DYNAMODB_PORT ?? 0) || undefined,
    dbPath: dynamodbDir,
  });
  const ses = await startSesLocal({ port: sesPort });
  await ensureTable(dynamodb.endpoint, tableName);
  const issuer = await loadIssuer(keyFile, `http://127.0.0.1:${port}`, localAudience);
  // Background jobs (manual runs, mail) go through the Lambda Invoke API to the tick function, as on AWS.
  // The local worker pool: asynchronous invokes (jobs, due batches) are worked LOCAL_WORKERS at a time, as a function's concurrency on AWS.
  const localWorkers = Number(process.env.LOCAL_WORKERS ?? 4);
  const lambda = createLambdaServer(
    { tick: async (event) => (await tickHandler())(event) },
    { concurrency: localWorkers },
  );
  const lambdaPort = await listen(lambda, 0);
  process.env.WORKER_FUNCTION_NAME = "tick";
  process.env.LAMBDA_ENDPOINT = `http://127.0.0.1:${lambdaPort}`;
  const gateway = await buildGateway({
    dynamodbEndpoint: dynamodb.endpoint,
    sesEndpoint: ses.endpoint,
    tableName,
    issuer,
    onClockMoved: () => writeFileSync(clockFile, JSON.stringify({ offsetMs: clockOffset() })),
  });
  await listen(gateway, port);

  const timer = setInterval(() => {
    runTick().catch((error: unknown) => console.error("tick failed", error));
  }, tickEverySeconds * 1000);

  console.log(
    [
      "Twin Access local stack is up:",
      `  API            http://127.0.0.1:${port}   (GET /health, GET /openapi.json)`,
      `  sign-in token  npm run token -- <userId> [--email E] [--name N]`,
      `  JWKS           http://127.0.0.1:${port}/.well-known/jwks.json`,
      `  DynamoDB Local ${dynamodb.endpoint}   (data in ${dynamodbDir})`,
      `  mail (SES)     ${ses.endpoint}   (web page of the mail sent)`,
      `  trigger        every ${tickEverySeconds}s; POST /_local/tick runs it now`,
      `  worker         background jobs (manual runs, mail, purges, due batches) through the Lambda Invoke API on ${process.env.LAMBDA_ENDPOINT}, ${localWorkers} at a time (LOCAL_WORKERS)`,
      `  clock          POST /_local/clock {"advance":"P31D"}; GET /_local/mail lists mail`,
      `  handlers       ${bundledHandlers() ? "the esbuild bundles in cdk.out (LOCAL_HANDLERS=bundled)" : "the TypeScript sources (LOCAL_HANDLERS=bundled serves the deployed bundles)"}`,
      "Ctrl-C stops everything.",
    ].join("\n"),
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    console.log("\nStopping…");
    await closeServer(gateway);
    await closeServer(lambda);
    await ses.stop();
    await dynamodb.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});

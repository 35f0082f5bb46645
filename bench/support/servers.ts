// Starts what a benchmark needs on 127.0.0.1 (in-memory DynamoDB Local, optionally the SES server), points the handlers at it, and stops it all at the end or at a deadline.
import { startDynamoDbLocal, type LocalServer } from "../../infra/local/dynamodb";
import { freePort } from "../../infra/local/free-port";
import { startSesLocal } from "../../infra/local/ses";
import { configureHandlers } from "../../infra/local/stack";
import { ensureTable } from "../../infra/local/tables";

export interface BenchServers {
  dynamodbEndpoint: string;
  tableName: string;
  /** Creates another table in the same DynamoDB Local, for benchmarks that compare two data sets side by side. */
  addTable(name: string): Promise<void>;
}

/**
 * Runs `body` with fresh servers and the handler environment set, then stops the servers whatever happens.
 * A benchmark that overruns `deadlineMs` stops its servers and exits non-zero, so `npm run bench` always ends.
 */
export async function withServers(
  options: { name: string; deadlineMs: number; ses?: boolean },
  body: (servers: BenchServers) => Promise<void>,
): Promise<void> {
  const started: LocalServer[] = [];
  const stopAll = () => Promise.allSettled(started.map((s) => s.stop()));
  const deadline = setTimeout(() => {
    console.error(`${options.name}: exceeded its ${options.deadlineMs / 1000} s budget; stopping`);
    void stopAll().finally(() => process.exit(2));
  }, options.deadlineMs);
  deadline.unref();
  try {
    const dynamodb = await startDynamoDbLocal();
    started.push(dynamodb);
    // Without mail the handlers still build an SES client at load; an unused loopback port keeps it off the network.
    let sesEndpoint = `http://127.0.0.1:${await freePort()}`;
    if (options.ses) {
      const ses = await startSesLocal();
      started.push(ses);
      sesEndpoint = ses.endpoint;
    }
    const tableName = `twin-access-bench-${options.name}`;
    await ensureTable(dynamodb.endpoint, tableName);
    configureHandlers({ dynamodbEndpoint: dynamodb.endpoint, sesEndpoint, tableName });
    await body({
      dynamodbEndpoint: dynamodb.endpoint,
      tableName,
      addTable: (name) => ensureTable(dynamodb.endpoint, name),
    });
  } finally {
    clearTimeout(deadline);
    await stopAll();
  }
}

/** The benchmark's entry point: a failure prints its cause and sets the exit code, so `bench/run.ts` reports it. */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

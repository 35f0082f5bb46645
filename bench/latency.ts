// Benchmark: latency and throughput of the permission check and of a role change through the local gateway, against a bare DynamoDB Local GetItem from the same process.
import "./support/env";
import { performance } from "node:perf_hooks";
import { BatchGetCommand, GetCommand } from "@aws-sdk/lib-dynamodb";
import { createGateway } from "../infra/local/gateway";
import type { LambdaHandler } from "../shared/http/handler";
import { listen, loadHandlers } from "../infra/local/stack";
import { memoryIssuer, type Issuer } from "../infra/local/tokens";
import { makeDocumentClient } from "../shared/store/client";
import { routeList } from "../shared/http/routes";
import { keys } from "../shared/store/keys";
import { failed, request, signIn, type User } from "./support/api";
import { load, ms, percentile, ratio, summary, table, verdict } from "./support/measure";
import { withServers, runBench } from "./support/servers";
import { closeServer } from "../infra/local/close-server";

/** Issue 7: the check costs at most twice a bare GetItem at p50. */
const TARGET_P50_RATIO = 2;

/**
 * The loaded runs: 16 in flight, as many Lambda instances might be; the unloaded runs show each request on its own.
 * Each is measured in rounds that alternate the operations, so a drift of the machine (Java's JIT warming DynamoDB
 * Local up, garbage collection, other work on the shared cores) spreads over all of them instead of favouring whichever
 * runs last. Rounds are short (a second or so) and each starts with a different operation, so no operation always
 * follows the same one (the role change's writes leave DynamoDB Local collecting garbage for whatever comes next).
 */
const loaded = { concurrency: 16, perRound: 250 };
const unloaded = { concurrency: 1, perRound: 50 };
const ROUNDS = 8;
/** Requests of every operation before any is timed: DynamoDB Local runs interpreted until the JVM has compiled its hot paths. */
const WARMUP = 600;

/** One member per in-flight role change: changes of different members never wait on each other's transaction. */
const WRITERS = loaded.concurrency;

interface Scenario {
  name: string;
  what: string;
  send: (i: number, worker: number) => Promise<void>;
}

/** What one scenario measured at one concurrency: each request end to end, and inside the gateway its token check and its handler. */
interface Measured {
  latencies: number[];
  /** The same latencies, one array per round. */
  rounds: number[][];
  elapsedMs: number;
  verify: number[];
  handler: number[];
}

const measured = (): Measured => ({ latencies: [], rounds: [], elapsedMs: 0, verify: [], handler: [] });

/** Where the gateway reports the time of token checks and handlers: the scenario being measured, if any. */
let sink: Measured | undefined;

async function timed<T>(into: "verify" | "handler", work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    sink?.[into].push(performance.now() - started);
  }
}

/** The issuer the gateway verifies tokens with, timing each verification. */
const timedIssuer = (issuer: Issuer): Issuer => ({
  ...issuer,
  verify: (token, now) => timed("verify", () => issuer.verify(token, now)),
});

/** The real handlers, each call timed: what is left of a request's time is HTTP (client and server) and building the event. */
const timedHandlers = (handlers: Record<string, LambdaHandler>): Record<string, LambdaHandler> =>
  Object.fromEntries(
    Object.entries(handlers).map(([group, handler]) => [
      group,
      (event, context) => timed("handler", () => handler(event, context)),
    ]),
  );

runBench(() =>
  withServers({ name: "latency", deadlineMs: 3 * 60_000 }, async ({ dynamodbEndpoint, tableName }) => {
    // The gateway of `npm start` with the real handlers, without its local controls (clock, tick, mail).
    const issuer = timedIssuer(await memoryIssuer());
    const server = createGateway({ routes: routeList, handlers: timedHandlers(await loadHandlers()), issuer });
    const url = `http://127.0.0.1:${await listen(server, 0)}`;

    // Fixtures through the API: a reader with Read on an iModel it has already worked with today, and members whose roles are toggled.
    const admin = await signIn(url, issuer, "bench-admin");
    const org = await admin.ok("POST", "/organizations", { name: "Bench" });
    const reader = await signIn(url, issuer, "bench-reader");
    await admin.ok("POST", `/organizations/${org.id}/members`, {
      userId: reader.userId,
      email: `${reader.userId}@example.com`,
      role: "Developer",
    });
    const itwin = await admin.ok("POST", `/organizations/${org.id}/itwins`, { name: "Plant" });
    const imodel = await admin.ok("POST", `/itwins/${itwin.id}/imodels`, { name: "Unit 1" });
    await admin.ok("POST", `/itwins/${itwin.id}/members`, { userId: reader.userId, roles: ["Read"] });
    await reader.ok("GET", `/imodels/${imodel.id}`);
    const writers: { userId: string; role: "Developer" | "ApplicationManager" }[] = [];
    for (let w = 0; w < WRITERS; w++) {
      const userId = `bench-member-${w}`;
      await admin.ok("POST", `/organizations/${org.id}/members`, {
        userId,
        email: `${userId}@example.com`,
        role: "Developer",
      });
      writers.push({ userId, role: "Developer" });
    }

    // The baselines go through a client built as the app builds its own (same settings, same marshalling).
    const ddb = makeDocumentClient({ region: "local", endpoint: dynamodbEndpoint });
    // What GET /imodels/{id}/permissions reads (DynamoImodelStore.readPermissions) for a caller who asks again the same
    // day: the iTwin, the iModel, the caller's organisation membership, team item and list entry. The first request of
    // the day on an instance also reads the interaction record (6 keys); later ones leave it out (usecases/recorded-today.ts).
    const checkKeys = [
      keys.itwin(itwin.id),
      keys.imodel(itwin.id, imodel.id),
      keys.member(org.id, reader.userId),
      keys.itwinMember(itwin.id, reader.userId),
      keys.imodelAccess(imodel.id, reader.userId),
    ];
    const answers = async (user: User | undefined, method: string, path: string, status: number, body?: unknown) => {
      const reply = user ? await user.call(method, path, body) : await request(url, method, path);
      if (reply.status !== status) throw failed(method, path, reply);
    };

    const scenarios: Scenario[] = [
      {
        name: "GetItem (baseline)",
        what: "bare DynamoDB Local GetItem, consistent, from this process",
        send: async () => {
          const out = await ddb.send(
            new GetCommand({ TableName: tableName, Key: keys.imodel(itwin.id, imodel.id), ConsistentRead: true }),
          );
          if (!out.Item) throw new Error("the iModel item is missing");
        },
      },
      {
        name: "BatchGetItem of the check's 5 keys",
        what: "the one DynamoDB request the check makes, bare",
        send: async () => {
          await ddb.send(
            new BatchGetCommand({ RequestItems: { [tableName]: { Keys: checkKeys, ConsistentRead: true } } }),
          );
        },
      },
      {
        name: "GET /health",
        what: "HTTP + gateway + middy, no JWT, no DynamoDB",
        send: () => answers(undefined, "GET", "/health", 200),
      },
      {
        name: "GET /imodels/{id}/permissions",
        what: "HTTP + JWT + middy + the check (1 BatchGetItem)",
        send: () => answers(reader, "GET", `/imodels/${imodel.id}/permissions`, 200),
      },
      {
        name: "PATCH /organizations/{orgId}/members/{userId}",
        what: "role change Developer <-> ApplicationManager, one member per in-flight request",
        send: async (_i, worker) => {
          const target = writers[worker]!;
          const role = target.role === "Developer" ? "ApplicationManager" : "Developer";
          await answers(admin, "PATCH", `/organizations/${org.id}/members/${target.userId}`, 200, { role });
          target.role = role;
        },
      },
    ];

    for (const scenario of scenarios) await load({ concurrency: loaded.concurrency, count: WARMUP }, scenario.send);
    const results = scenarios.map((scenario) => ({ scenario, loaded: measured(), unloaded: measured() }));
    const measure = async (
      into: Measured,
      settings: { concurrency: number },
      count: number,
      send: Scenario["send"],
    ) => {
      sink = into;
      const run = await load({ concurrency: settings.concurrency, count }, send);
      sink = undefined;
      into.latencies.push(...run.latencies);
      into.elapsedMs += run.elapsedMs;
      return run.latencies;
    };
    for (let round = 1; round <= ROUNDS; round++) {
      const first = (round - 1) % results.length;
      const order = [...results.slice(first), ...results.slice(0, first)];
      // Each mode's blocks run back to back (a second or two for all five operations), so they see the same moments of the machine.
      for (const result of order)
        result.loaded.rounds.push(await measure(result.loaded, loaded, loaded.perRound, result.scenario.send));
      for (const result of order)
        result.unloaded.rounds.push(await measure(result.unloaded, unloaded, unloaded.perRound, result.scenario.send));
      console.error(`latency: round ${round} of ${ROUNDS} done`);
    }

    const p50 = (values: number[]) => percentile(values, 50);
    const rps = (m: Measured) => (m.latencies.length / (m.elapsedMs / 1000)).toFixed(0);
    const [getItem, batchGet, health, check, write] = results;
    const throughGateway = [health!, check!, write!];
    for (const mode of ["loaded", "unloaded"] as const) {
      const settings = mode === "loaded" ? loaded : unloaded;
      const base = p50(getItem![mode].latencies);
      console.log(
        `\n## ${settings.concurrency} in flight: latency (ms) and throughput, ${settings.perRound * ROUNDS} requests each after ${WARMUP} warm-up\n`,
      );
      console.log(
        table(
          ["operation", "what it includes", "p50", "p99", "req/s", "p50 / GetItem p50"],
          results.map((r) => [
            r.scenario.name,
            r.scenario.what,
            ms(p50(r[mode].latencies)),
            ms(percentile(r[mode].latencies, 99)),
            rps(r[mode]),
            ratio(p50(r[mode].latencies) / base),
          ]),
        ),
      );
      console.log(
        `\n${settings.concurrency} in flight: where the time of a request through the gateway goes (p50 of each part, ms; the rest is HTTP client and server and building the event)\n`,
      );
      console.log(
        table(
          ["operation", "end to end", "JWT verification", "handler", "rest"],
          throughGateway.map((r) => {
            const m = r[mode];
            const verify = m.verify.length ? p50(m.verify) : 0;
            return [
              r.scenario.name,
              ms(p50(m.latencies)),
              m.verify.length ? ms(verify) : "none",
              ms(p50(m.handler)),
              ms(p50(m.latencies) - verify - p50(m.handler)),
            ];
          }),
        ),
      );
    }

    const checkRatio = p50(check!.loaded.latencies) / p50(getItem!.loaded.latencies);
    const checkRatioUnloaded = p50(check!.unloaded.latencies) / p50(getItem!.unloaded.latencies);
    const handlerRatio = (mode: "loaded" | "unloaded") =>
      ratio(p50(check![mode].handler) / p50(getItem![mode].latencies));
    console.log(
      `\nTarget: the check at most ${TARGET_P50_RATIO}x a bare GetItem at p50: ${ratio(checkRatio)} with ${loaded.concurrency} in flight -> ${verdict(checkRatio <= TARGET_P50_RATIO)}; ` +
        `${ratio(checkRatioUnloaded)} one at a time -> ${verdict(checkRatioUnloaded <= TARGET_P50_RATIO)}.\n` +
        `The check's handler alone (the Lambda's part, without the gateway and HTTP) is ${handlerRatio("loaded")} a GetItem with ${loaded.concurrency} in flight ` +
        `and ${handlerRatio("unloaded")} one at a time; the bare BatchGetItem it sends is ${ratio(p50(batchGet!.loaded.latencies) / p50(getItem!.loaded.latencies))} ` +
        `and ${ratio(p50(batchGet!.unloaded.latencies) / p50(getItem!.unloaded.latencies))}.`,
    );
    const perRound = (mode: "loaded" | "unloaded") => {
      const ratios = check![mode].rounds
        .map((latencies, i) => p50(latencies) / p50(getItem![mode].rounds[i]!))
        .sort((a, b) => a - b);
      return `${ratio(ratios[0]!)} to ${ratio(ratios[ratios.length - 1]!)} (median ${ratio(percentile(ratios, 50))})`;
    };
    console.log(
      `Round by round (${ROUNDS} rounds), the check's p50 / GetItem p50 ranges from ${perRound("loaded")} with ${loaded.concurrency} in flight and from ${perRound("unloaded")} one at a time.`,
    );
    console.log(
      `The role change (no target) is ${ratio(p50(write!.loaded.latencies) / p50(getItem!.loaded.latencies))} a GetItem at p50 with ${loaded.concurrency} in flight.`,
    );
    summary(
      `latency: check p50 ${ms(p50(check!.loaded.latencies))} ms vs GetItem ${ms(p50(getItem!.loaded.latencies))} ms = ${ratio(checkRatio)} at ${loaded.concurrency} in flight ` +
        `(target <= ${TARGET_P50_RATIO}x: ${verdict(checkRatio <= TARGET_P50_RATIO)}), ${ratio(checkRatioUnloaded)} one at a time (${verdict(checkRatioUnloaded <= TARGET_P50_RATIO)}); ` +
        `role change p50 ${ms(p50(write!.loaded.latencies))} ms`,
    );
    await closeServer(server);
    ddb.destroy();
  }),
);

// Wires the local stack: configuration for the handlers, the gateway with its local controls, and the trigger on a timer.
import type { Server } from "node:http";
import { advanceClock } from "../../shared/clock";
import { parseDuration } from "../../shared/domain/duration";
import type { App } from "../../shared/app";
import { routeList } from "../../shared/http/routes";
import type { FunctionGroup } from "../../shared/http/route";
import { httpFunctions } from "../../functions/http/index";
import { bundledHandlers, loadBundledHandlers, loadBundledTick } from "./bundles";
import type { LambdaHandler } from "../../shared/http/handler";
import { createGateway } from "./gateway";
import { readMail } from "./ses";
import type { Issuer } from "./tokens";

export interface GatewaySettings {
  dynamodbEndpoint: string;
  sesEndpoint: string;
  tableName: string;
  issuer: Issuer;
  /** Called after the clock moved, so the local stack can keep the offset across restarts. */
  onClockMoved?: () => void;
  /** Serve the routes over this app instead of each function's default one. */
  app?: App;
}

/** Sets the environment the handlers read at load; must run before any handler module is imported. */
export function configureHandlers(settings: Omit<GatewaySettings, "issuer">): void {
  process.env.TABLE_NAME = settings.tableName;
  process.env.DYNAMODB_ENDPOINT = settings.dynamodbEndpoint;
  process.env.SES_ENDPOINT = settings.sesEndpoint;
  process.env.AWS_REGION ??= "local";
  // Node 20 is supported here on purpose (the machines run it); the SDK warns once per process otherwise.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  process.env.AWS_ACCESS_KEY_ID ??= "local";
  process.env.AWS_SECRET_ACCESS_KEY ??= "local";
}

/**
 * The groups' handlers; with `app`, built over it (tests inject clients that count calls or fail). With
 * LOCAL_HANDLERS=bundled, the esbuild bundles of cdk.out instead, except over an injected `app`: that app is built
 * from the sources, and a bundle has its own copy of every shared module (its own AppError among them).
 */
export async function loadHandlers(app?: App): Promise<Record<string, LambdaHandler>> {
  if (bundledHandlers() && !app) return loadBundledHandlers(Object.keys(httpFunctions) as FunctionGroup[]);
  const loaded: Record<string, LambdaHandler> = {};
  for (const [group, load] of Object.entries(httpFunctions)) {
    const fn = await load!();
    loaded[group] = app && fn.routesOf ? fn.routesOf(app) : fn.handler;
  }
  return loaded;
}

/** The tick function's handler: from its bundle with LOCAL_HANDLERS=bundled, else from the sources. */
export async function tickHandler(): Promise<(event: unknown) => Promise<unknown>> {
  if (bundledHandlers()) return loadBundledTick();
  const { handler } = await import("../../functions/trigger/tick");
  return handler as (event: unknown) => Promise<unknown>;
}

export async function runTick(): Promise<unknown> {
  return (await tickHandler())({});
}

export async function buildGateway(settings: GatewaySettings): Promise<Server> {
  configureHandlers(settings);
  return createGateway({
    routes: routeList,
    handlers: await loadHandlers(settings.app),
    issuer: settings.issuer,
    controls: {
      async advanceClock(duration) {
        const ms = parseDuration(duration);
        if (ms === undefined) throw new Error(`'${duration}' is not an ISO 8601 duration such as P31D or PT2H`);
        const now = advanceClock(ms);
        settings.onClockMoved?.();
        return { now: now.toISOString() };
      },
      tick: runTick,
      mail: () => readMail(settings.sesEndpoint),
    },
  });
}

export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

// The local HTTP gateway: turns requests into API Gateway HTTP API v2 events, verifies tokens as the JWT authorizer does, and calls the same handlers.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Context } from "aws-lambda";
import { clock } from "../../shared/clock";
import type { HttpEvent, LambdaHandler } from "../../shared/http/handler";
import { routeKey, type FunctionGroup, type RouteDef } from "../../shared/http/route";
import { crossSiteRefusal } from "./same-origin";
import type { Issuer } from "./tokens";

export interface LocalControls {
  advanceClock(duration: string): Promise<{ now: string }>;
  tick(): Promise<unknown>;
  mail(): Promise<unknown[]>;
}

export interface GatewayOptions {
  routes: readonly RouteDef[];
  handlers: Partial<Record<FunctionGroup, LambdaHandler>>;
  issuer: Issuer;
  /** Present only in the local stack and tests: `/_local/*` routes; never deployed. */
  controls?: LocalControls;
}

/** API Gateway HTTP API refuses payloads over 10 MB before any Lambda runs. */
const GATEWAY_PAYLOAD_LIMIT = 10 * 1024 * 1024;

interface CompiledRoute {
  route: RouteDef;
  pattern: RegExp;
  names: string[];
}

function compile(route: RouteDef): CompiledRoute {
  const names: string[] = [];
  const source = route.path.replace(/\{(\w+)\}|[^{}]+/g, (part, name: string | undefined) => {
    if (name) {
      names.push(name);
      return "([^/]+)";
    }
    return part.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
  });
  return { route, pattern: new RegExp(`^${source}$`), names };
}

export function createGateway(options: GatewayOptions): Server {
  // Literal routes win over templated ones, as in API Gateway.
  const compiled = options.routes.map(compile).sort((a, b) => a.names.length - b.names.length);
  return createServer((req, res) => {
    handle(req, res, compiled, options).catch((error: unknown) => {
      console.error("gateway fault", error);
      if (!res.headersSent) send(res, 500, { message: "Internal Server Error" });
      else res.end();
    });
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(payload)),
    ...headers,
  });
  res.end(payload);
}

const gatewayError = (code: string, message: string) => ({ error: { code, message } });

const noBody = Buffer.alloc(0);

async function readBody(req: IncomingMessage): Promise<Buffer | "too-large"> {
  // A request with neither Content-Length nor Transfer-Encoding has no body (RFC 9112, section 6.3): nothing to wait for.
  if (req.headers["content-length"] === undefined && req.headers["transfer-encoding"] === undefined) return noBody;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > GATEWAY_PAYLOAD_LIMIT) return "too-large";
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function handle(req: IncomingMessage, res: ServerResponse, routes: CompiledRoute[], options: GatewayOptions) {
  const url = new URL(req.url ?? "/", "http://localhost");
  const method = (req.method ?? "GET").toUpperCase();

  if (url.pathname === "/.well-known/jwks.json" && method === "GET") {
    return send(res, 200, { keys: [options.issuer.publicJwk] });
  }
  if (options.controls && url.pathname.startsWith("/_local/")) {
    const refusal = crossSiteRefusal(req);
    if (refusal)
      return send(res, 403, gatewayError("Forbidden", `Local controls answer only this machine's tools: ${refusal}`));
    return localControl(req, res, url, method, options.controls);
  }

  let matched: { route: RouteDef; params: Record<string, string> } | undefined;
  for (const candidate of routes) {
    if (candidate.route.method !== method) continue;
    const m = candidate.pattern.exec(url.pathname);
    if (!m) continue;
    try {
      const params = Object.fromEntries(candidate.names.map((name, i) => [name, decodeURIComponent(m[i + 1]!)]));
      matched = { route: candidate.route, params };
    } catch {
      return send(res, 400, gatewayError("InvalidInput", "The path is not correctly URL-encoded"));
    }
    break;
  }
  if (!matched) return send(res, 404, gatewayError("NotFound", `No route ${method} ${url.pathname}`));

  const body = await readBody(req);
  if (body === "too-large") return send(res, 413, gatewayError("BodyTooLarge", "The request body exceeds 10 MB"));

  const claims = matched.route.auth ? await authorize(req, options.issuer) : undefined;
  if (matched.route.auth && !claims) {
    return send(res, 401, gatewayError("Unauthorized", "Sign in: the request has no valid bearer token"), {
      "www-authenticate": "Bearer",
    });
  }

  const handler = options.handlers[matched.route.group];
  if (!handler) return send(res, 404, gatewayError("NotFound", `No function serves ${routeKey(matched.route)}`));
  const event = toEvent(req, url, method, matched.route, matched.params, body, claims);
  const result = await handler(event, lambdaContext(matched.route.group, event.requestContext.requestId));
  // API Gateway drops headers without a value; Node refuses them.
  const headers = Object.fromEntries(
    Object.entries(result.headers ?? {}).filter(([, v]) => v !== undefined && v !== null),
  );
  const status = result.statusCode ?? 200;
  const payload = result.isBase64Encoded && result.body ? Buffer.from(result.body, "base64") : (result.body ?? "");
  // A Content-Length, as API Gateway answers, rather than Node's chunked framing (none on a 204, RFC 9110 8.6).
  if (status !== 204) headers["content-length"] = Buffer.byteLength(payload);
  res.writeHead(status, headers as Record<string, string>);
  res.end(payload);
}

/** Verifies the bearer token like API Gateway's JWT authorizer; claims are passed on as strings, as it does. */
async function authorize(req: IncomingMessage, issuer: Issuer): Promise<Record<string, string> | undefined> {
  const header = req.headers.authorization ?? "";
  // The identity source holds the token alone or after "Bearer " (API Gateway's JWT authorizer accepts both).
  const match = /^(?:Bearer\s+)?(\S+)$/i.exec(header.trim());
  if (!match) return undefined;
  try {
    const payload = await issuer.verify(match[1]!, clock.now());
    return Object.fromEntries(
      Object.entries(payload).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(" ")}]` : String(v)]),
    );
  } catch {
    return undefined;
  }
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  method: string,
  route: RouteDef,
  params: Record<string, string>,
  body: Buffer,
  claims: Record<string, string> | undefined,
): HttpEvent {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(",") : value;
  }
  // Own properties only, as JSON.parse makes them for the Lambda event: `__proto__` or `constructor` is a parameter like any other.
  const query: Record<string, string> = Object.create(null) as Record<string, string>;
  if (url.search)
    for (const [name, value] of url.searchParams)
      query[name] = Object.hasOwn(query, name) ? `${query[name]},${value}` : value;
  const contentType = headers["content-type"] ?? "";
  const textual = contentType === "" || /json|text|xml|urlencoded/i.test(contentType);
  const now = new Date();
  const requestId = randomUUID();
  return {
    version: "2.0",
    routeKey: routeKey(route),
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ""),
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: Object.keys(params).length ? params : undefined,
    body: body.length ? (textual ? body.toString("utf8") : body.toString("base64")) : undefined,
    isBase64Encoded: body.length > 0 && !textual,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: headers.host ?? "127.0.0.1",
      domainPrefix: "local",
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId,
      routeKey: routeKey(route),
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      authorizer: { principalId: "", integrationLatency: 0, jwt: { claims: claims ?? {}, scopes: [] } },
    },
  } as HttpEvent;
}

const remainingTime = () => 30_000;
const ignored = () => undefined;

export function lambdaContext(functionName: string, requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: remainingTime,
    done: ignored,
    fail: ignored,
    succeed: ignored,
  };
}

async function localControl(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  method: string,
  controls: LocalControls,
) {
  const raw = await readBody(req);
  const text = raw === "too-large" ? "" : raw.toString("utf8");
  if (url.pathname === "/_local/clock" && method === "POST") {
    let advance: unknown;
    try {
      advance = (JSON.parse(text || "{}") as { advance?: unknown }).advance;
    } catch {
      advance = undefined;
    }
    if (typeof advance !== "string")
      return send(res, 400, gatewayError("InvalidInput", 'Send { "advance": "P31D" } (an ISO 8601 duration)'));
    try {
      return send(res, 200, await controls.advanceClock(advance));
    } catch (error) {
      return send(res, 400, gatewayError("InvalidInput", (error as Error).message));
    }
  }
  if (url.pathname === "/_local/tick" && method === "POST") return send(res, 200, await controls.tick());
  if (url.pathname === "/_local/mail" && method === "GET") return send(res, 200, { items: await controls.mail() });
  return send(res, 404, gatewayError("NotFound", `No local control ${method} ${url.pathname}`));
}

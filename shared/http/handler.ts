// The middy stack every HTTP function runs: routing by routeKey, body limits, JSON parsing, zod validation, the one error shape.
import middy from "@middy/core";
import httpHeaderNormalizer from "@middy/http-header-normalizer";
import httpSecurityHeaders from "@middy/http-security-headers";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import type { z } from "zod";
import {
  bodyTooLarge,
  internalError,
  invalidInput,
  isAppError,
  type AppError,
  notFound,
  serviceUnavailable,
  unauthorized,
  unsupportedMediaType,
} from "../errors";
import { logger } from "../log";
import { recordRequest } from "../metrics";
import type { Idempotency } from "../domain/idempotency";
import type { Answer } from "./answer";
import type { Caller } from "../domain/caller";
import { callerFrom } from "./caller";
import { idempotencyKeyOf, idempotently, type Receipts } from "./idempotency";
import { takeOrgRequest } from "./org-limit";
import { routeKey, type AnyObject, type RouteDef } from "./route";
import { userId as userIdSchema } from "./schemas";

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResult = APIGatewayProxyStructuredResultV2;
/** A Lambda function of the HTTP API: what each group exports, and what the local gateway and the tests call. */
export type LambdaHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

/** Bodies of this API are small JSON documents; anything larger is refused before parsing. */
export const MAX_BODY_BYTES = 64 * 1024;

type Infer<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface Request<P, Q, B> {
  caller: Caller;
  params: Infer<P>;
  query: Infer<Q>;
  body: Infer<B>;
  event: HttpEvent;
  /**
   * On a route that declares `idempotent`, when the request carries an Idempotency-Key: pass it to the use case, whose
   * store writes `once.receipt(answer)` in the creation's transaction. Undefined otherwise.
   */
  once?: Idempotency;
}

export interface RouteHandler {
  route: RouteDef;
  /** `receipts`: where an idempotent route keeps its answers (serveWith); a route without keeps none. */
  handle(event: HttpEvent, receipts?: Receipts): Promise<Answer>;
}

/** Binds a route declaration to the function that answers it; validation comes from the route. */
export function http<P extends AnyObject | undefined, Q extends AnyObject | undefined, B extends z.ZodType | undefined>(
  route: RouteDef<P, Q, B>,
  fn: (req: Request<P, Q, B>) => Promise<Answer>,
): RouteHandler {
  return {
    route: route as RouteDef,
    async handle(event, receipts) {
      const caller = route.auth ? usableCaller(callerFrom(event)) : anonymous;
      // Before anything else is done for the request: over its organisation's rate it costs no read.
      const giveBack = route.auth ? takeOrgRequest(event.pathParameters ?? {}) : () => {};
      try {
        const params = validate("path", route.params, event.pathParameters ?? {});
        const query = route.query
          ? validate("query", route.query, event.queryStringParameters ?? {})
          : refuseQuery(event);
        const body = route.body ? validate("body", route.body, parseBody(event)) : refuseBody(event);
        const key = route.idempotent ? idempotencyKeyOf(event.headers) : undefined;
        if (key === undefined) return await fn({ caller, params, query, body, event } as Request<P, Q, B>);
        if (!receipts) throw new Error(`Route ${route.id} is idempotent but was served without receipts (serveWith)`);
        return await idempotently(
          receipts,
          { route: route as RouteDef, userId: caller.userId, key, params, body },
          (once) => fn({ caller, params, query, body, event, once } as Request<P, Q, B>),
          toAppError,
        );
      } catch (error) {
        // Not visible to the caller: an outsider's requests must not use up the organisation's members' budget.
        if (isAppError(error, "NotFound")) giveBack();
        throw error;
      }
    },
  };
}

const anonymous: Caller = { userId: "anonymous", signedInAt: new Date(0) };

/** A token's `sub` becomes keys like any user id in a path or body: the same schema refuses `#` and control characters in it. */
function usableCaller(caller: Caller): Caller {
  if (!userIdSchema.safeParse(caller.userId).success)
    throw unauthorized(
      "The token's 'sub' is not a usable user id (printable ASCII without spaces or '#', at most 128 characters)",
    );
  return caller;
}

function validate<S extends z.ZodType | undefined>(where: string, schema: S, input: unknown): Infer<S> {
  if (!schema) return undefined as Infer<S>;
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data as Infer<S>;
  const fields = parsed.error.issues.map((issue) => ({
    field: [where, ...issue.path.map(String)].join("."),
    reason: issue.code === "unrecognized_keys" ? `unknown field(s): ${issue.keys.join(", ")}` : issue.message,
  }));
  const first = fields[0]!;
  throw invalidInput(`Invalid ${first.field}: ${first.reason}`, { fields });
}

/** An operation without parameters takes none: a stray one is a mistake the caller should hear about. */
function refuseQuery(event: HttpEvent): undefined {
  const names = Object.keys(event.queryStringParameters ?? {});
  if (names.length) {
    throw invalidInput(
      `Invalid query: this operation takes no query parameters (got ${names.slice(0, 5).join(", ")})`,
      {
        fields: names.slice(0, 20).map((name) => ({ field: `query.${name}`, reason: "unknown parameter" })),
      },
    );
  }
  return undefined;
}

/** An operation without a body accepts none, or an empty JSON object (which some clients always send). */
function refuseBody(event: HttpEvent): undefined {
  const raw = event.body ?? "";
  const text = (event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw).trim();
  if (text === "" || text === "{}") return undefined;
  throw invalidInput("Invalid body: this operation takes no body", {
    fields: [{ field: "body", reason: "unexpected" }],
  });
}

function parseBody(event: HttpEvent): unknown {
  const raw = event.body ?? "";
  const text = event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw;
  if (Buffer.byteLength(text, "utf8") > MAX_BODY_BYTES) throw bodyTooLarge(MAX_BODY_BYTES);
  const contentType = (event.headers["content-type"] ?? "application/json").split(";")[0]!.trim().toLowerCase();
  if (contentType !== "application/json" && !contentType.endsWith("+json")) throw unsupportedMediaType();
  if (text.trim() === "")
    throw invalidInput("Invalid body: a JSON body is required", { fields: [{ field: "body", reason: "missing" }] });
  try {
    return JSON.parse(text);
  } catch {
    throw invalidInput("Invalid body: not well-formed JSON", { fields: [{ field: "body", reason: "malformed JSON" }] });
  }
}

/** SDK faults that mean "try again shortly", answered as 503 with Retry-After rather than 500. */
const retryableFaults = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "ServiceUnavailable",
  "InternalServerError",
  "TransactionConflictException",
]);

export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const name = (error as { name?: string } | null)?.name ?? "";
  if (retryableFaults.has(name)) return serviceUnavailable("The service is busy; retry after the time in Retry-After");
  return internalError();
}

export function errorResult(error: AppError, requestId: string): HttpResult {
  const headers: Record<string, string> = { "content-type": "application/json", "x-request-id": requestId };
  if (error.status === 503) headers["retry-after"] = "1";
  if (error.status === 429) headers["retry-after"] = String(error.details?.retryAfterSeconds ?? 1);
  return {
    statusCode: error.status,
    headers,
    body: JSON.stringify({
      error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
    }),
  };
}

function toResult(answer: Answer, route: RouteDef, requestId: string): HttpResult {
  const contentType = route.success.contentType ?? "application/json";
  const headers = { "x-request-id": requestId, ...answer.headers };
  if (answer.body === undefined) return { statusCode: answer.status, headers };
  const body = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
  return { statusCode: answer.status, headers: { "content-type": contentType, ...headers }, body };
}

/**
 * Answers to a signed-in caller hold what that caller may see now: no browser, proxy or CDN may keep
 * them (a shared cache could hand them to someone else, a private one could show them after a sign-out).
 * Errors too: a 404 or 403 says who may see what. Only the public routes (health, contract, API page) may be cached.
 */
export const NO_STORE = { "cache-control": "no-store" } as const;

function applyNoStore(result: HttpResult | undefined, authenticated: boolean): void {
  if (!result || !authenticated) return;
  result.headers = { ...result.headers, ...NO_STORE };
}

/** Headers a route set itself: they win over the security middleware's defaults (the API page sets its own CSP). */
const explicitHeaders = new WeakMap<HttpEvent, Record<string, string>>();

function applyExplicitHeaders(event: HttpEvent, result: HttpResult | undefined): void {
  const explicit = explicitHeaders.get(event);
  if (!explicit || !result) return;
  const names = new Set(Object.keys(explicit).map((n) => n.toLowerCase()));
  const kept = Object.entries(result.headers ?? {}).filter(([name]) => !names.has(name.toLowerCase()));
  result.headers = { ...Object.fromEntries(kept), ...explicit };
}

/**
 * Middy's defaults, less `Reporting-Endpoints`: with no endpoint configured it answers that header with an empty value.
 * The option exists in the middleware but not in its type declarations, hence the widened type.
 */
const securityHeaderOptions = { reportingEndpoints: false } as Parameters<typeof httpSecurityHeaders>[0];

/** One Lambda handler serving a group of routes, dispatched on API Gateway's routeKey. */
export function serve(...handlers: RouteHandler[]) {
  return serveWith({}, ...handlers);
}

/** `serve` for a group with idempotent routes: their answers are kept in `receipts`. */
export function serveWith(options: { receipts?: Receipts }, ...handlers: RouteHandler[]) {
  const idempotent = handlers.find((h) => h.route.idempotent);
  if (idempotent && !options.receipts)
    throw new Error(`Route ${idempotent.route.id} is idempotent: serve its group with serveWith({ receipts })`);
  const byKey = new Map(handlers.map((h) => [routeKey(h.route), h]));
  const core = async (event: HttpEvent): Promise<HttpResult> => {
    const requestId = event.requestContext.requestId;
    const handler = byKey.get(event.routeKey);
    if (!handler) throw notFound("route", event.routeKey);
    const started = performance.now();
    try {
      const answer = await handler.handle(event, options.receipts);
      const ms = Math.round(performance.now() - started);
      logger.info("request", {
        route: event.routeKey,
        status: answer.status,
        userId: event.requestContext.authorizer?.jwt?.claims?.sub,
        ms,
      });
      recordRequest(handler.route.id, answer.status, ms);
      if (answer.headers) explicitHeaders.set(event, answer.headers);
      return toResult(answer, handler.route, requestId);
    } catch (error) {
      recordRequest(handler.route.id, toAppError(error).status, Math.round(performance.now() - started));
      throw error;
    }
  };

  return (
    middy<HttpEvent, HttpResult, Error, Context>()
      .use(injectLambdaContext(logger, { resetKeys: true }))
      .use(httpHeaderNormalizer())
      // Registered before the security headers so that its `after` runs after theirs.
      .use({ after: (request) => applyExplicitHeaders(request.event, request.response) })
      // An unknown route is no public one either: only a route declared without auth may be cached.
      .use({
        after: (request) => applyNoStore(request.response, byKey.get(request.event.routeKey)?.route.auth !== false),
      })
      .use(httpSecurityHeaders(securityHeaderOptions))
      .use({
        before: (request) => {
          logger.appendKeys({ requestId: request.event.requestContext.requestId });
        },
        onError: (request) => {
          const error = toAppError(request.error);
          if (error.status >= 500)
            logger.error("request failed", { route: request.event.routeKey, error: request.error as Error });
          else
            logger.info("request refused", { route: request.event.routeKey, status: error.status, code: error.code });
          request.response = errorResult(error, request.event.requestContext.requestId);
          applyNoStore(request.response, byKey.get(request.event.routeKey)?.route.auth !== false);
        },
      })
      .handler(core)
  );
}

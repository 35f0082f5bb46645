// A route: method, path, the Lambda group that serves it, its schemas and the statuses it answers; the API, the local gateway and the OpenAPI document all read it.
import type { z } from "zod";
import { errorStatus, type ErrorCode, type ErrorStatus } from "../errors/catalogue";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** One Lambda function per group; the CDK stack and the local gateway derive their wiring from it. */
export type FunctionGroup = "meta" | "organizations" | "portal" | "itwins" | "imodels" | "sync";

export type AnyObject = z.ZodObject<z.ZodRawShape>;

export interface RouteDef<
  P extends AnyObject | undefined = AnyObject | undefined,
  Q extends AnyObject | undefined = AnyObject | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
> {
  /** The OpenAPI operationId. */
  id: string;
  method: Method;
  /** API Gateway path template, e.g. `/organizations/{orgId}`. */
  path: string;
  group: FunctionGroup;
  /** False only for the public routes: health, OpenAPI document and API page. */
  auth: boolean;
  summary: string;
  description: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  success: {
    status: 200 | 201 | 202 | 204;
    description: string;
    schema?: z.ZodType;
    /** Defaults to application/json. */
    contentType?: string;
  };
  /** Statuses a rule or lookup of this route can answer; 400, 401, 413, 415 and 503 are added from the route's shape (errorStatuses). */
  errors: ErrorStatus[];
  /**
   * The codes of its rules this route can answer (409s and any other beyond the statuses' own codes, see errorCodes);
   * each code's status is listed too. Default: none beyond `ConcurrentChange` for a 409.
   */
  codes?: ErrorCode[];
  /**
   * Honours an `Idempotency-Key` header (shared/http/idempotency.ts): a retry with the same key and request answers
   * the first answer again, the same key with another request 422 `IdempotencyKeyReused`. The OpenAPI document and
   * /docs describe the header on these routes only. Default false.
   */
  idempotent?: boolean;
}

export function defineRoute<
  P extends AnyObject | undefined = undefined,
  Q extends AnyObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(route: RouteDef<P, Q, B>): RouteDef<P, Q, B> {
  return route;
}

export const routeKey = (r: Pick<RouteDef, "method" | "path">): string => `${r.method} ${r.path}`;

/** Every status a route can answer, in the order the OpenAPI document lists them. */
export function errorStatuses(route: RouteDef): ErrorStatus[] {
  // Every route validates its path, query and body (a stray query or body is a 400 too), and the gateway refuses huge payloads.
  const all = new Set<ErrorStatus>([...route.errors, ...(route.codes ?? []).map((c) => errorStatus[c]), 400, 413]);
  if (route.idempotent) all.add(422);
  if (route.auth) {
    all.add(401);
    all.add(503);
  }
  if (route.body) all.add(415);
  return [...all].sort((a, b) => a - b);
}

/** The code each status implies on every route that answers it; a 409 names its rule, so its codes are the route's own. */
const statusCodes: Partial<Record<ErrorStatus, ErrorCode[]>> = {
  400: ["InvalidInput"],
  401: ["Unauthorized"],
  403: ["Forbidden"],
  404: ["NotFound"],
  409: ["ConcurrentChange"],
  413: ["BodyTooLarge"],
  415: ["UnsupportedMediaType"],
  422: ["IdempotencyKeyReused"],
  429: ["TooManyRequests"],
  500: ["InternalError"],
  503: ["ServiceUnavailable"],
};

/** The codes a route can answer with `status` (its declared `codes` of that status, and the status's own). */
export function errorCodes(route: RouteDef, status: ErrorStatus): ErrorCode[] {
  const declared = (route.codes ?? []).filter((c) => errorStatus[c] === status);
  return [...new Set([...(statusCodes[status] ?? []), ...declared])];
}

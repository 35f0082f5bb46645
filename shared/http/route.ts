// A route: method, path, the Lambda group that serves it, its schemas and the statuses it answers; the API, the local gateway and the OpenAPI document all read it.
import type { z } from "zod";
import type { ErrorStatus } from "../errors";

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
  const all = new Set<ErrorStatus>([...route.errors, 400, 413]);
  if (route.auth) {
    all.add(401);
    all.add(503);
  }
  if (route.body) all.add(415);
  return [...all].sort((a, b) => a - b);
}

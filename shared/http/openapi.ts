// Builds the OpenAPI 3.1 document from the route table: the contract clients and validating proxies rely on.
import * as z from "zod";
import type { ErrorCode, ErrorStatus } from "../errors";
import { IDEMPOTENCY_HEADER, idempotencyKeySchema } from "./idempotency";
import { isOrgLimited } from "./org-limit";
import { errorCodes, errorStatuses, type RouteDef } from "./route";
import { errorBody, gatewayUnauthorized } from "./schemas";

const errorMeaning: Record<ErrorStatus, string> = {
  400: "Invalid input: `error.details.fields` names each field and why",
  401: "No token, or a token that is expired, badly signed, or for another issuer or audience",
  403: "The resource exists and is visible to you, but your role or permissions do not allow this",
  404: "Unknown, or not visible to you",
  409: "A rule or a concurrent change refused it; `error.code` names the rule",
  413: "The body is larger than 64 KiB (or the request larger than API Gateway's 10 MB)",
  415: "The body is not application/json",
  422: "This `Idempotency-Key` was sent before with another request (`IdempotencyKeyReused`): another body, path or operation; use a new key",
  429: "Too many requests: the organisation's rate (`TooManyRequests`) or API Gateway's throttle; retry after the seconds in `Retry-After`",
  500: "An unexpected fault; it has been logged",
  503: "Busy (throttled); retry after the seconds in `Retry-After`",
};

type Json = Record<string, unknown>;

/** API Gateway's own answers, before any function runs: `{"message":"Too Many Requests"}`, `{"message":"Request Entity Too Large"}`. */
const gatewayMessage = z.object({ message: z.string() }).meta({ id: "GatewayMessage" });

/** Every answer of a signed-in route carries it (shared/http/handler.ts); the gateway's own 401 does not pass the function. */
const noStoreHeader = {
  "Cache-Control": {
    description: "Always `no-store`: the answer is for this caller, now",
    schema: { type: "string", const: "no-store" },
  },
};

/** The error shape with `error.code` narrowed to the codes this route answers with this status. */
function errorWithCodes(errorRef: Json, codes: ErrorCode[]): Json {
  return {
    allOf: [
      errorRef,
      { type: "object", properties: { error: { type: "object", properties: { code: { enum: codes } } } } },
    ],
  };
}

const codesText = (codes: ErrorCode[]) => `. Codes: ${codes.map((c) => `\`${c}\``).join(", ")}`;

function headersOf(status: ErrorStatus, auth: boolean): Json {
  const headers: Json = {
    ...(auth && status !== 401 ? noStoreHeader : {}),
    ...(status === 503 ? { "Retry-After": { description: "Seconds to wait", schema: { type: "integer" } } } : {}),
  };
  return Object.keys(headers).length ? { headers } : {};
}

export function buildOpenApi(routes: readonly RouteDef[], info: { version: string; serverUrl?: string }): Json {
  const components: Record<string, Json> = {};
  const schemaOf = (schema: z.ZodType, io: "input" | "output"): Json => {
    const json = z.toJSONSchema(schema, {
      target: "draft-2020-12",
      io,
      unrepresentable: "any",
      reused: "inline",
    }) as Json;
    return hoist(json, components);
  };

  // Both carry `.meta({ id })`, so hoisting registers them as components and answers their $ref.
  const errorRef = schemaOf(errorBody, "output");
  const gatewayUnauthorizedRef = schemaOf(gatewayUnauthorized, "output");
  const gatewayMessageRef = schemaOf(gatewayMessage, "output");

  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const parameters: Json[] = [];
    for (const [location, schema] of [
      ["path", route.params],
      ["query", route.query],
    ] as const) {
      if (!schema) continue;
      const json = schemaOf(schema, "input");
      const props = (json.properties ?? {}) as Record<string, Json>;
      const required = new Set((json.required ?? []) as string[]);
      for (const [name, prop] of Object.entries(props)) {
        const { description, ...rest } = prop;
        parameters.push({
          name,
          in: location,
          required: location === "path" || required.has(name),
          ...(description ? { description } : {}),
          schema: rest,
        });
      }
    }

    const responses: Record<string, Json> = {};
    const success = route.success;
    responses[String(success.status)] = {
      description: success.description,
      ...(route.auth ? { headers: noStoreHeader } : {}),
      ...(success.schema
        ? { content: { [success.contentType ?? "application/json"]: { schema: schemaOf(success.schema, "output") } } }
        : {}),
    };
    for (const status of errorStatuses(route)) {
      // Per status, the codes this route can answer (its declared `codes`, shared/http/route.ts errorCodes).
      const codes = errorCodes(route, status);
      const ownShape = errorWithCodes(errorRef, codes);
      // 401 and 413 can come from API Gateway itself (authorizer, 10 MB limit), in its own shape.
      const schema =
        status === 401
          ? { anyOf: [ownShape, gatewayUnauthorizedRef] }
          : status === 413
            ? { anyOf: [ownShape, gatewayMessageRef] }
            : ownShape;
      responses[String(status)] = {
        description: errorMeaning[status] + codesText(codes),
        ...headersOf(status, route.auth),
        "x-error-codes": codes,
        content: { "application/json": { schema } },
      };
    }
    // Stage throttling applies to every route, public ones included, before any function runs; a route
    // that names an organisation's resource also answers the organisation's own limit, in the error shape.
    responses["429"] = isOrgLimited(route)
      ? {
          description:
            "The organisation made more requests per second than it may (`TooManyRequests`, shared/http/org-limit.ts), or API Gateway throttled the request (its `{ message }` shape); retry after `Retry-After`",
          headers: {
            "Retry-After": { description: "Seconds to wait", schema: { type: "integer" } },
            ...(route.auth ? noStoreHeader : {}),
          },
          "x-error-codes": ["TooManyRequests"],
          content: {
            "application/json": {
              schema: { anyOf: [errorWithCodes(errorRef, ["TooManyRequests"]), gatewayMessageRef] },
            },
          },
        }
      : {
          description:
            "API Gateway throttled the request (the stage's rate or burst limit); retry later, after `Retry-After` when present",
          headers: { "Retry-After": { description: "Seconds to wait", schema: { type: "integer" } } },
          content: { "application/json": { schema: gatewayMessageRef } },
        };
    responses.default = {
      description: errorMeaning[500] + codesText(["InternalError"]),
      "x-error-codes": ["InternalError"],
      content: { "application/json": { schema: errorWithCodes(errorRef, ["InternalError"]) } },
    };

    const operation: Json = {
      operationId: route.id,
      summary: route.summary,
      description: route.description,
      tags: [route.tag],
      ...(route.auth ? {} : { security: [] }),
      ...(parameters.length ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: { required: true, content: { "application/json": { schema: schemaOf(route.body, "input") } } },
          }
        : {}),
      responses,
    };
    // Declared per route in the route table (`idempotent`), and honoured by every route that declares it.
    if (route.idempotent) {
      operation.parameters = [
        ...((operation.parameters as Json[] | undefined) ?? []),
        {
          name: IDEMPOTENCY_HEADER,
          in: "header",
          required: false,
          description:
            "Makes a retry safe: a retry by the same caller with the same key and request (operation, path and body) answers the first answer again (status and body, with `Idempotent-Replayed: true`) for 24 hours; the same key with another request answers 422 `IdempotencyKeyReused`",
          schema: schemaOf(idempotencyKeySchema, "input"),
        },
      ];
    }
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation;
  }

  const tags = [...new Set(routes.map((r) => r.tag))].map((name) => ({ name, description: `${name} operations` }));
  return {
    openapi: "3.1.0",
    info: {
      title: "Twin Access API",
      version: info.version,
      description:
        "Access control, ownership and scheduled synchronization rules of a digital-twin platform. " +
        "Every error answers `{ error: { code, message, details? } }`. Lists answer `{ items, next? }`; pass `next` as `cursor` for the following page.",
      contact: { name: "Twin Access maintainers" },
      license: { name: "UNLICENSED", identifier: "UNLICENSED" },
    },
    servers: [{ url: info.serverUrl ?? "/" }],
    tags,
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "A JWT from the configured issuer and audience",
        },
      },
      schemas: components,
    },
  };
}

function strip(json: Json): Json {
  const { $schema: _s, id: _id, ...rest } = json;
  return rest;
}

/** Moves schemas named with `.meta({ id })` (zod writes them under $defs) into components and points refs there. */
function hoist(json: Json, components: Record<string, Json>): Json {
  const defs = (json.$defs ?? {}) as Record<string, Json>;
  for (const [name, def] of Object.entries(defs)) components[name] ??= rewrite(strip(def)) as Json;
  const { $defs: _defs, ...rest } = strip(json);
  return rewrite(rest) as Json;
}

function rewrite(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewrite);
  if (value && typeof value === "object") {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = k === "$ref" && typeof v === "string" ? v.replace("#/$defs/", "#/components/schemas/") : rewrite(v);
    }
    return out;
  }
  return value;
}

// Public routes: health, the API contract and its human-readable reference page.
import * as z from "zod";
import { defineRoute } from "../route";

export const health = defineRoute({
  id: "getHealth",
  method: "GET",
  path: "/health",
  group: "meta",
  auth: false,
  tag: "Service",
  summary: "Health check",
  description: "Answers 200 while the API can serve requests. Needs no token.",
  success: {
    status: 200,
    description: "The service is up",
    schema: z.object({ status: z.literal("ok") }).meta({ id: "Health" }),
  },
  errors: [],
});

export const openapi = defineRoute({
  id: "getOpenApi",
  method: "GET",
  path: "/openapi.json",
  group: "meta",
  auth: false,
  tag: "Service",
  summary: "This API's OpenAPI 3.1 document",
  description: "The contract: every route, every status it can answer and every body's schema. Needs no token.",
  success: {
    status: 200,
    description: "The OpenAPI document",
    schema: z.record(z.string(), z.unknown()).meta({ id: "OpenApiDocument" }),
  },
  errors: [],
});

export const docs = defineRoute({
  id: "getApiPage",
  method: "GET",
  path: "/docs",
  group: "meta",
  auth: false,
  tag: "Service",
  summary: "This API's reference page",
  description:
    "A readable page rendered from the OpenAPI document: every operation by tag, with its parameters, body and answers. " +
    "Plain HTML with inline styles, no script. Needs no token.",
  success: { status: 200, description: "The reference page", schema: z.string(), contentType: "text/html" },
  errors: [],
});

// Checks every answer a test receives against the OpenAPI document, as a validating proxy would: a documented status and a body that fits its schema.
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { buildOpenApi } from "../../shared/http/openapi";
import { routeList } from "../../shared/http/routes";

const doc = buildOpenApi(routeList, { version: "test" }) as {
  paths: Record<
    string,
    Record<
      string,
      { responses: Record<string, { content?: Record<string, { schema: object }>; "x-error-codes"?: string[] }> }
    >
  >;
  components: unknown;
};
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);

const compiled = new Map<string, ValidateFunction>();
const matchers = routeList.map((route) => ({
  route,
  pattern: new RegExp(`^${route.path.replace(/\{\w+\}/g, "[^/]+").replace(/[.:]/g, (c) => `\\${c}`)}$`),
}));

/** Throws when the answer is not one the contract describes; requests outside the route table are not checked. */
export function checkAgainstContract(
  method: string,
  path: string,
  status: number,
  contentType: string | null,
  body: unknown,
): void {
  const pathname = new URL(path, "http://x").pathname;
  const match = matchers.find((m) => m.route.method === method && m.pattern.test(pathname));
  if (!match) return;
  const operation = doc.paths[match.route.path]![method.toLowerCase()]!;
  const key = String(status) in operation.responses ? String(status) : "default";
  const response = operation.responses[key]!;
  if (key === "default" && status < 500) {
    throw new Error(
      `Contract: ${method} ${match.route.path} answered ${status}, which the OpenAPI document does not list`,
    );
  }
  const media = response.content ? Object.keys(response.content)[0]! : undefined;
  if (!media) {
    if (body !== undefined && body !== "")
      throw new Error(`Contract: ${method} ${match.route.path} ${status} has a body but documents none`);
    return;
  }
  if (!contentType?.startsWith(media)) {
    throw new Error(`Contract: ${method} ${match.route.path} ${status} answered ${contentType}, documented ${media}`);
  }
  if (!media.includes("json")) return;
  // Each route declares the codes it answers per status (route table `codes`, shared/http/route.ts errorCodes).
  const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
  const declared = response["x-error-codes"];
  if (declared && typeof code === "string" && !declared.includes(code)) {
    throw new Error(
      `Contract: ${method} ${match.route.path} answered ${status} ${code}, which it does not declare (${declared.join(", ")})`,
    );
  }
  const id = `${method} ${match.route.path} ${key}`;
  let validate = compiled.get(id);
  if (!validate) {
    validate = ajv.compile({ ...response.content![media]!.schema, components: doc.components });
    compiled.set(id, validate);
  }
  if (!validate(body)) {
    throw new Error(
      `Contract: ${id} body does not fit its schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`,
    );
  }
}

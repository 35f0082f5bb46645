// Renders the API reference page (GET /docs) from the OpenAPI document: one static HTML page with inline CSS, no script, every string escaped.

import type { Document, Operation, Parameter, Response, Schema } from "./docs-document";

const esc = (value: unknown): string =>
  String(value).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

/** Descriptions in the document use Markdown code spans; everything else is shown as written. */
const prose = (text: string | undefined): string => (text ? esc(text).replace(/`([^`]+)`/g, "<code>$1</code>") : "");

/** Anchors are built from names in the document; ids must not carry spaces or markup. */
const slug = (text: string): string => text.replace(/[^A-Za-z0-9_-]+/g, "-");

const refName = (ref: string): string => ref.replace(/^#\/components\/schemas\//, "");
const json = (value: unknown): string => `<code>${esc(JSON.stringify(value))}</code>`;

/** zod writes the safe-integer limits on every integer; they say nothing a reader needs. */
const bound = (n: number | undefined): number | undefined =>
  n === undefined || Math.abs(n) >= Number.MAX_SAFE_INTEGER ? undefined : n;

function range(low: number | undefined, high: number | undefined, unit: string): string | undefined {
  const min = bound(low);
  const max = bound(high);
  if (min !== undefined && max !== undefined) return min === max ? `exactly ${min}${unit}` : `${min}–${max}${unit}`;
  if (min !== undefined) return `at least ${min}${unit}`;
  if (max !== undefined) return `at most ${max}${unit}`;
  return undefined;
}

/** Limits a reader needs to form a valid value; zod's long date-time pattern is left out because the format says it. */
function constraints(s: Schema): string {
  const parts = [
    range(s.minLength, s.maxLength, " characters"),
    range(s.minimum, s.maximum, ""),
    range(s.minItems, s.maxItems, " items"),
    s.pattern && !s.format ? `pattern <code>${esc(s.pattern)}</code>` : undefined,
    s.default !== undefined ? `default ${json(s.default)}` : undefined,
  ].filter(Boolean);
  return parts.length ? ` <span class="limits">${parts.join("; ")}</span>` : "";
}

const hasShape = (s: Schema): boolean => Boolean(s.properties);
const flag = (required: boolean | undefined) =>
  required ? '<span class="required">required</span>' : '<span class="optional">optional</span>';

/** A one-line type: a link for a named schema, literal values for enums, "array of …", "A or B". */
function typeOf(s: Schema): string {
  if (s.$ref) {
    const name = refName(s.$ref);
    return `<a class="ref" href="#schema-${slug(name)}">${esc(name)}</a>`;
  }
  const choices = s.anyOf ?? s.oneOf;
  if (choices) {
    // Two or more inline objects are spelled out below as numbered forms (see shapeOf), so the line names them by number.
    const numbered = choices.filter(hasShape).length > 1;
    let form = 0;
    return choices.map((c) => (numbered && hasShape(c) ? `form ${++form}` : typeOf(c))).join(" or ");
  }
  if (s.allOf) return s.allOf.map(typeOf).join(" and ");
  if (s.const !== undefined) return json(s.const);
  if (s.enum) return s.enum.map(json).join(" | ");
  const type = Array.isArray(s.type) ? s.type.join(" or ") : s.type;
  if (type === "array") return `array of ${s.items ? typeOf(s.items) : "any"}`;
  if (type === "object" || (!type && (s.properties || s.additionalProperties))) {
    if (s.properties) return "object";
    const values = typeof s.additionalProperties === "object" ? s.additionalProperties : {};
    return `map of string to ${typeOf(values)}`;
  }
  if (!type) return "any";
  return `<span class="type">${esc(type)}</span>${s.format ? ` <span class="format">(${esc(s.format)})</span>` : ""}`;
}

/** The fields of an inline object, and of inline objects inside it; named schemas are only linked. */
function shapeOf(s: Schema): string {
  if (s.$ref) return "";
  if (s.properties) {
    const required = new Set(s.required ?? []);
    const rows = Object.entries(s.properties).map(([name, prop]) => {
      // An array's meaning is often written on its items (a role reference, a file).
      const text = prop.description ?? prop.items?.description;
      const description = text ? `<div class="desc">${prose(text)}</div>` : "";
      return `<li><code class="field">${esc(name)}</code> ${flag(required.has(name))} ${typeOf(prop)}${constraints(prop)}${description}${shapeOf(prop)}</li>`;
    });
    return `<ul class="fields">${rows.join("")}</ul>`;
  }
  if (s.items) return shapeOf(s.items);
  const shaped = (s.anyOf ?? s.oneOf ?? s.allOf ?? []).filter(hasShape);
  if (shaped.length === 1) return shapeOf(shaped[0]!);
  return shaped.map((c, i) => `<div class="choice">Form ${i + 1}: ${shapeOf(c)}</div>`).join("");
}

type Components = Record<string, Schema>;

/** A schema with its limits and fields; `expand` also lists the fields of a named schema, so an operation shows its body without a jump. */
function schemaBlock(s: Schema | undefined, components: Components, expand = false): string {
  if (!s) return "";
  const named = expand && s.$ref ? components[refName(s.$ref)] : undefined;
  const description = named?.description ? `<div class="desc">${prose(named.description)}</div>` : "";
  if (!named) return `<div class="schema">${typeOf(s)}${constraints(s)}${shapeOf(s)}</div>`;
  const line = hasShape(named) ? "" : `: ${typeOf(named)}`;
  return `<div class="schema">${typeOf(s)}${line}${constraints(named)}${description}${shapeOf(named)}</div>`;
}

const methodOrder = ["get", "post", "put", "patch", "delete"];

function operations(doc: Document): { method: string; path: string; op: Operation }[] {
  const list: { method: string; path: string; op: Operation }[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of methodOrder) if (item[method]) list.push({ method, path, op: item[method] });
  }
  return list;
}

const badge = (method: string) => `<span class="method m-${esc(method)}">${esc(method.toUpperCase())}</span>`;
const statusLabel = (status: string) =>
  `<span class="status s${esc(status.charAt(0))}">${esc(status === "default" ? "other" : status)}</span>`;

function parametersTable(params: Parameter[]): string {
  const rows = params.map(
    (p) =>
      `<tr><td><code class="field">${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${flag(p.required)}</td>` +
      `<td>${p.schema ? typeOf(p.schema) + constraints(p.schema) : ""}</td><td>${prose(p.description)}</td></tr>`,
  );
  return `<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th></th><th>Type</th><th>Description</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

/** JSON is the rule, so only other media types are named. */
function mediaBlock(
  content: Record<string, { schema?: Schema }> | undefined,
  components: Components,
  expand: boolean,
): string {
  if (!content) return '<span class="optional">no body</span>';
  return Object.entries(content)
    .map(
      ([media, { schema }]) =>
        `${media === "application/json" ? "" : `<div class="media">${esc(media)}</div>`}${schemaBlock(schema, components, expand)}`,
    )
    .join("");
}

const headerNotes = (r: Response): string =>
  Object.entries(r.headers ?? {})
    .map(([name, h]) => `<div class="desc">Header <code>${esc(name)}</code>: ${prose(h.description)}</div>`)
    .join("");

/** Successful answers with their body spelled out, then every other status in one compact table. */
function responsesBlock(responses: Record<string, Response>, components: Components): string {
  const entries = Object.entries(responses);
  const successes = entries
    .filter(([status]) => status.startsWith("2"))
    .map(
      ([status, r]) =>
        `<div class="success">${statusLabel(status)} ${prose(r.description)}${headerNotes(r)}${r.content ? mediaBlock(r.content, components, true) : ""}</div>`,
    );
  const rows = entries
    .filter(([status]) => !status.startsWith("2"))
    .map(
      ([status, r]) =>
        `<tr><td>${statusLabel(status)}</td><td>${prose(r.description)}${headerNotes(r)}</td><td>${mediaBlock(r.content, components, false)}</td></tr>`,
    );
  return (
    `<h4>Responses</h4>${successes.join("")}` +
    (rows.length
      ? `<table class="errors"><thead><tr><th>Status</th><th>Meaning</th><th>Body</th></tr></thead><tbody>${rows.join("")}</tbody></table>`
      : "")
  );
}

function operationSection(
  { method, path, op }: { method: string; path: string; op: Operation },
  components: Components,
): string {
  const isPublic = Array.isArray(op.security) && op.security.length === 0;
  const auth = isPublic
    ? '<span class="auth public">Public: no token</span>'
    : '<span class="auth bearer">Bearer token</span>';
  const body = op.requestBody
    ? `<h4>Request body${op.requestBody.required ? "" : " (optional)"}</h4>${mediaBlock(op.requestBody.content, components, true)}`
    : "";
  return (
    `<section class="op" id="op-${slug(op.operationId)}">` +
    `<h3>${badge(method)} <code class="path">${esc(path)}</code> ${auth}</h3>` +
    `<p class="summary">${prose(op.summary)}</p>` +
    (op.description ? `<p>${prose(op.description)}</p>` : "") +
    (op.parameters?.length ? parametersTable(op.parameters) : "") +
    body +
    responsesBlock(op.responses, components) +
    "</section>"
  );
}

/** The statuses whose body is the shared error shape, with their meaning as the document states it. */
function errorStatuses(doc: Document): [string, string][] {
  const found = new Map<string, string>();
  for (const { op } of operations(doc)) {
    for (const [status, r] of Object.entries(op.responses)) {
      const text = JSON.stringify(r.content ?? {});
      if (status.startsWith("2") || found.has(status) || !text.includes("#/components/schemas/Error")) continue;
      found.set(status, r.description.split(". Codes: ")[0]!); // the meaning alone, without the route's codes
    }
  }
  return [...found].sort(([a], [b]) => (a === "default" ? 1 : b === "default" ? -1 : a.localeCompare(b)));
}

/** The operations with the Idempotency-Key header: the route table's `idempotent` flag, through the document. */
const idempotentOperations = (doc: Document): string =>
  operations(doc)
    .filter(({ op }) => op.parameters?.some((p) => p.in === "header" && p.name === "Idempotency-Key"))
    .map(({ op }) => `<a href="#op-${slug(op.operationId)}">${esc(op.operationId)}</a>`)
    .join(", ") || "none";

function intro(doc: Document): string {
  const statuses = errorStatuses(doc)
    .map(([status, meaning]) => `<tr><td>${statusLabel(status)}</td><td>${prose(meaning)}</td></tr>`)
    .join("");
  return (
    '<p class="lead">The machine-readable contract behind this page: <a href="openapi.json">openapi.json</a> (OpenAPI 3.1).</p>' +
    '<div class="cards">' +
    '<div class="card"><h4>Signing in</h4><p>Send <code>Authorization: Bearer &lt;JWT&gt;</code> with a token from the configured identity provider. ' +
    "Your user id is the token's <code>sub</code>; its <code>email</code> and <code>name</code> are used for mail. Operations marked <em>Public</em> need no token.</p></div>" +
    '<div class="card"><h4>Errors</h4><p>Every error has one shape: <code>{ "error": { "code", "message", "details"? } }</code>. ' +
    "<code>code</code> is stable and names the rule that refused the request; <code>message</code> says what to do. A 400 lists each invalid field in <code>details.fields</code>.</p></div>" +
    '<div class="card"><h4>Lists</h4><p>Lists answer <code>{ "items": [...], "next"? }</code>. Pass <code>next</code> as the <code>cursor</code> query parameter for the following page; ' +
    "<code>limit</code> sets the page size (1–100). The last page has no <code>next</code>: lists are never silently cut short.</p></div>" +
    '<div class="card"><h4>Safe retries</h4><p>Operations with an <code>Idempotency-Key</code> header parameter honour it: ' +
    "a retry by the same caller with the same key and request answers the first answer again (status and body) for 24 hours instead of acting twice; " +
    `the same key with another request answers 422 <code>IdempotencyKeyReused</code>. They are: ${idempotentOperations(doc)}.</p></div>` +
    "</div>" +
    `<h3>Error statuses</h3><table class="narrow"><tbody>${statuses}</tbody></table>`
  );
}

function contents(doc: Document, byTag: Map<string, ReturnType<typeof operations>>): string {
  const groups = [...byTag].map(
    ([tag, ops]) =>
      `<li><a href="#tag-${slug(tag)}">${esc(tag)}</a><ul>${ops
        .map(
          ({ method, path, op }) =>
            `<li><a href="#op-${slug(op.operationId)}">${badge(method)} <span class="path">${esc(path)}</span></a></li>`,
        )
        .join("")}</ul></li>`,
  );
  const schemas = Object.keys(doc.components?.schemas ?? {}).length ? '<li><a href="#schemas">Schemas</a></li>' : "";
  return `<nav><h2>Contents</h2><ul class="toc"><li><a href="#intro">Conventions</a></li>${groups.join("")}${schemas}</ul></nav>`;
}

const style = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d232b;background:#f6f7f9}
header{background:#14324f;color:#fff;padding:28px 40px}
header h1{margin:0;font-size:26px}
header .version{font-size:14px;font-weight:400;color:#c9d6e3}
header p{margin:6px 0 0;color:#c9d6e3;max-width:900px}
header code{background:#24496d;color:#fff}
.layout{display:grid;grid-template-columns:340px minmax(0,1fr);gap:32px;padding:24px 40px;max-width:1400px}
nav{position:sticky;top:16px;align-self:start;max-height:calc(100vh - 32px);overflow:auto;font-size:13px}
nav h2{font-size:14px;text-transform:uppercase;letter-spacing:.05em;color:#5b6675;margin:0 0 8px}
nav ul{list-style:none;margin:0;padding:0}
.toc>li{margin:0 0 10px}
.toc>li>a{font-weight:600}
.toc ul li{margin:3px 0}
.toc ul a{display:flex;gap:6px;align-items:baseline}
.toc ul .path{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
nav a{color:#1d232b;text-decoration:none}
nav a:hover{text-decoration:underline}
nav .method{flex:none;min-width:50px;font-size:10px}
main{min-width:0}
h2{font-size:22px;margin:32px 0 12px;padding-bottom:6px;border-bottom:2px solid #d8dee6}
h2:first-child{margin-top:0}
h3{font-size:17px;margin:20px 0 8px}
h4{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:#5b6675;margin:16px 0 6px}
a{color:#0b5cad}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eef1f5;border-radius:3px;padding:1px 4px}
.lead{font-size:16px}
.cards{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:12px}
.card{background:#fff;border:1px solid #d8dee6;border-radius:6px;padding:4px 16px}
.card h4{margin-top:12px}
.op{background:#fff;border:1px solid #d8dee6;border-radius:6px;padding:4px 20px 14px;margin:0 0 16px}
.op h3{display:flex;align-items:center;gap:10px;flex-wrap:wrap}
.op .path{font-size:15px;background:none;padding:0}
.summary{font-weight:600;margin:0 0 6px}
.method{display:inline-block;min-width:58px;text-align:center;border-radius:4px;padding:2px 6px;font:700 12px/1.4 ui-monospace,Menlo,Consolas,monospace;color:#fff}
.m-get{background:#1f6fbf}.m-post{background:#198754}.m-put{background:#b35c00}.m-patch{background:#6f42c1}.m-delete{background:#c0392b}
.auth{font-size:12px;font-weight:600;border-radius:10px;padding:1px 9px;margin-left:auto}
.bearer{background:#fff4d6;color:#7a5300}.public{background:#dff3e6;color:#13603a}
table{border-collapse:collapse;width:100%;font-size:14px;background:#fff}
th,td{border:1px solid #e1e6ec;padding:5px 8px;text-align:left;vertical-align:top}
table.errors{font-size:13px}
table.errors td:first-child{width:64px}
table.errors td:last-child{width:220px}
.success{margin:4px 0 12px}
.success .schema{margin:4px 0 0 0}
th{background:#f1f4f8;font-weight:600}
table.narrow{width:auto}
.status{display:inline-block;min-width:44px;font:700 13px ui-monospace,Menlo,Consolas,monospace}
.s2{color:#13603a}.s4{color:#a8321f}.s5,.sd{color:#7a1f5c}
.required{font-size:11px;font-weight:700;color:#a8321f;text-transform:uppercase}
.optional{font-size:11px;color:#7b8592;text-transform:uppercase}
.field{font-weight:600}
.type{color:#6f42c1;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
.format,.limits{color:#5b6675;font-size:13px}
.desc{color:#3c4652;font-size:13px;margin:1px 0 2px}
.media{color:#5b6675;font-size:12px}
.fields{list-style:none;margin:4px 0 0;padding:0 0 0 12px;border-left:2px solid #e1e6ec}
.fields li{margin:4px 0;font-size:14px}
.choice{margin:6px 0 0;font-size:13px;color:#5b6675}
.schema-def{background:#fff;border:1px solid #d8dee6;border-radius:6px;padding:2px 16px 12px;margin:0 0 12px}
.schema-def h3{font-family:ui-monospace,Menlo,Consolas,monospace}
`;

/** The page for `doc`; tags keep the document's order, and operations without a known tag come last under their own tag. */
export function renderDocsPage(document: Record<string, unknown>): string {
  const doc = document as unknown as Document;
  const components = doc.components?.schemas ?? {};
  const byTag = new Map<string, ReturnType<typeof operations>>();
  for (const tag of doc.tags ?? []) byTag.set(tag.name, []);
  for (const entry of operations(doc)) {
    const tag = entry.op.tags?.[0] ?? "Other";
    if (!byTag.has(tag)) byTag.set(tag, []);
    byTag.get(tag)!.push(entry);
  }
  const tagDescriptions = new Map((doc.tags ?? []).map((t) => [t.name, t.description]));
  const sections = [...byTag]
    .filter(([, ops]) => ops.length)
    .map(([tag, ops]) => {
      const description = tagDescriptions.get(tag);
      return `<h2 id="tag-${slug(tag)}">${esc(tag)}</h2>${description ? `<p>${prose(description)}</p>` : ""}${ops.map((entry) => operationSection(entry, components)).join("")}`;
    });
  const schemas = Object.entries(components).map(
    ([name, s]) =>
      `<section class="schema-def" id="schema-${slug(name)}"><h3>${esc(name)}</h3>${s.description ? `<p>${prose(s.description)}</p>` : ""}${schemaBlock(s, components)}</section>`,
  );
  const title = `${doc.info.title} ${doc.info.version}`;
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${esc(title)}</title><style>${style}</style></head><body>` +
    `<header><h1>${esc(doc.info.title)} <span class="version">${esc(doc.info.version)}</span></h1><p>${prose(doc.info.description)}</p></header>` +
    `<div class="layout">${contents(doc, byTag)}<main>` +
    `<h2 id="intro">Conventions</h2>${intro(doc)}` +
    sections.join("") +
    (schemas.length ? `<h2 id="schemas">Schemas</h2>${schemas.join("")}` : "") +
    "</main></div></body></html>"
  );
}

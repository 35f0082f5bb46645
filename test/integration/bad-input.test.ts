// Bad input for every route, generated with fast-check: wrong types, huge and odd strings, deep nesting, prototype-pollution keys, oversize bodies, and crafted input ('#' and control characters in ids and names, forged cursors, ids repeated in lists). Always a 4xx in the error shape, never a 5xx, nothing stored.
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import fc from "fast-check";
import type { z } from "zod";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RouteDef } from "../../shared/http/route";
import { routeList } from "../../shared/http/routes";
import { makeDocumentClient } from "../../shared/store/client";
import { startApi, type Reply, type TestApi } from "../support/api";
import { samples, world, type World } from "../support/world";

let api: TestApi;
let w: World;
beforeAll(async () => {
  api = await startApi();
  w = await world(api);
});
afterAll(() => api.close());

/** Counts every item of this file's table: the test's own check that nothing was written (never done on a request path). */
async function itemCount(): Promise<number> {
  const ddb = makeDocumentClient({ region: "local", endpoint: inject("dynamodbEndpoint") });
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ddb.send(
      new ScanCommand({ TableName: process.env.TABLE_NAME!, Select: "COUNT", ExclusiveStartKey: start }),
    );
    count += out.Count ?? 0;
    start = out.LastEvaluatedKey;
  } while (start);
  return count;
}

const strings = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "",
    " ",
    "../../etc/passwd",
    "%00",
    "null",
    "undefined",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\u202e\u0000",
    "𝕏".repeat(30),
  ),
  fc.string({ minLength: 200, maxLength: 3000 }),
);

/** JSON values of every shape, including the keys that poison prototypes. */
const values: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    strings,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(strings, fc.constantFrom("__proto__", "constructor", "prototype", "name", "userId", "role", "roles")),
      tie("value"),
      { maxKeys: 5 },
    ),
  ),
})).value;

const deep = (levels: number) => "[".repeat(levels) + "]".repeat(levels);

function expectRefusal(answer: Reply, what: string) {
  expect(answer.status, `${what}: ${JSON.stringify(answer.body).slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(answer.status, what).toBeLessThan(500);
  expect(typeof answer.body?.error?.code, what).toBe("string");
  expect(typeof answer.body?.error?.message, what).toBe("string");
}

const request = (route: RouteDef, path: string, body?: string, contentType = "application/json") =>
  api.request(route.method, path, {
    body,
    headers: {
      authorization: `Bearer ${w.admin.token}`,
      ...(body !== undefined ? { "content-type": contentType } : {}),
    },
  });

describe("bad input, for every route", () => {
  it.each(routeList.map((r) => [`${r.method} ${r.path}`, r] as const))("%s", async (_name, route) => {
    const before = await itemCount();
    const sample = samples[route.id]!(w);

    // Bodies the route's schema refuses (or any body at all, where the route takes none). HTTP clients send no body with GET.
    const takesBody = route.method !== "GET";
    if (takesBody)
      await fc.assert(
        fc.asyncProperty(values, async (value) => {
          if (route.body?.safeParse(value).success) return;
          const text = JSON.stringify(value);
          if (!route.body && (text === "{}" || text === undefined)) return;
          expectRefusal(await request(route, sample.path, text), `body ${text?.slice(0, 80)}`);
        }),
        { numRuns: 12 },
      );

    // Path ids that are not ids.
    const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    if (names.length) {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...names), strings, async (name, value) => {
          if ((route.params?.shape[name] as z.ZodType | undefined)?.safeParse(value).success) return;
          const segments = sample.path.split("/");
          const template = route.path.split("/");
          const at = template.findIndex((t) => t.includes(`{${name}}`));
          segments[at] = template[at]!.replace(`{${name}}`, encodeURIComponent(value));
          const answer = await request(
            route,
            segments.join("/"),
            sample.body === undefined ? undefined : JSON.stringify(sample.body),
          );
          // An id with a '/' in it may match no route at all: that 404 is the gateway's, also in the error shape.
          expectRefusal(answer, `path ${name}=${JSON.stringify(value).slice(0, 60)}`);
        }),
        { numRuns: 10 },
      );
    }

    // Query strings the route does not take, or takes with other values.
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.oneof(strings, fc.constantFrom("limit", "cursor")), strings, { minKeys: 1, maxKeys: 3 }),
        async (query) => {
          if (route.query?.safeParse(query).success) return;
          const qs = new URLSearchParams(query).toString();
          if (!qs) return;
          expectRefusal(
            await request(
              route,
              `${sample.path}?${qs}`,
              sample.body === undefined ? undefined : JSON.stringify(sample.body),
            ),
            `query ${qs.slice(0, 80)}`,
          );
        },
      ),
      { numRuns: 8 },
    );

    // Query parameters named like Object's own properties are parameters like any other (refused, not dropped).
    for (const name of ["__proto__", "constructor", "toString"]) {
      expectRefusal(
        await request(
          route,
          `${sample.path}?${name}=x`,
          sample.body === undefined ? undefined : JSON.stringify(sample.body),
        ),
        `query ${name}`,
      );
    }

    // The shapes no generator makes often enough.
    const refusals = !takesBody
      ? []
      : [
          await request(route, sample.path, deep(5000)),
          await request(
            route,
            sample.path,
            JSON.stringify({ __proto__: { admin: true }, constructor: { prototype: { admin: true } } }),
          ),
          await request(route, sample.path, JSON.stringify({ name: "x".repeat(70_000) })),
          await request(route, sample.path, "{not json"),
        ];
    for (const [i, answer] of refusals.entries()) expectRefusal(answer, `special ${i}`);
    if (route.body) {
      expect(refusals[2]!.status).toBe(413);
      expectRefusal(await request(route, sample.path, JSON.stringify(sample.body), "text/plain"), "text/plain");
    }

    expect(await itemCount()).toBe(before);
  });
});

/** Ids and names an attacker crafts: key separators, line breaks (mail headers), other control characters, Unicode line separators. */
const crafted = fc.constantFrom(
  "a#b",
  "#",
  "ORG#x",
  "x#APP#y",
  "x\r\nBcc: victim@example.com",
  "tab\tin",
  "nul\u0000",
  "del\u007f",
  "c1\u0085",
  "ls\u2028",
  "esc\u001b[31m",
);

/** Every way to replace one string leaf of a body by `value`, and every way to repeat the first element of one of its arrays. */
function variants(body: unknown, value: string): { what: string; body: unknown }[] {
  const out: { what: string; body: unknown }[] = [];
  const walk = (node: unknown, rebuild: (v: unknown) => unknown, at: string) => {
    if (typeof node === "string") out.push({ what: `${at}=${JSON.stringify(value)}`, body: rebuild(value) });
    else if (Array.isArray(node)) {
      if (node.length) out.push({ what: `${at} repeated`, body: rebuild([...node, node[0]]) });
      for (const [i, item] of node.entries())
        walk(item, (v) => rebuild(node.map((x, j) => (j === i ? v : x))), `${at}.${i}`);
    } else if (node && typeof node === "object") {
      for (const [k, item] of Object.entries(node))
        walk(item, (v) => rebuild({ ...(node as object), [k]: v }), `${at}.${k}`);
    }
  };
  walk(body, (v) => v, "body");
  return out;
}

/** Cursors nobody was given: other shapes, types and extra attributes around plausible keys. */
const forgedCursors = fc
  .oneof(
    fc.dictionary(
      fc.constantFrom("pk", "sk", "gsi1pk", "gsi1sk", "extra", "version"),
      fc.oneof(strings, fc.integer(), fc.constant(null), fc.constant({ S: "x" })),
      { minKeys: 1, maxKeys: 4 },
    ),
    fc.tuple(strings, strings),
    fc.record({
      pk: fc.constantFrom("ORG#x", "ITWIN#x", "IMODEL#x"),
      sk: fc.constantFrom("MEMBER#a", "APP#a", "IMODEL#a", "CHANGESET#0000000001"),
      extra: strings,
    }),
  )
  .map((key) => Buffer.from(JSON.stringify(key), "utf8").toString("base64url"));

describe("crafted input, for every route", () => {
  it.each(routeList.map((r) => [`${r.method} ${r.path}`, r] as const))("%s", async (_name, route) => {
    const before = await itemCount();
    const sample = samples[route.id]!(w);
    const sampleBody = sample.body === undefined ? undefined : JSON.stringify(sample.body);

    // '#' and control characters in every path id.
    const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    for (const name of names) {
      await fc.assert(
        fc.asyncProperty(crafted, async (value) => {
          expect(
            (route.params?.shape[name] as z.ZodType | undefined)?.safeParse(value).success,
            `${name} accepts ${JSON.stringify(value)}`,
          ).toBe(false);
          const segments = sample.path.split("/");
          const template = route.path.split("/");
          const at = template.findIndex((t) => t.includes(`{${name}}`));
          segments[at] = template[at]!.replace(`{${name}}`, encodeURIComponent(value));
          expectRefusal(await request(route, segments.join("/"), sampleBody), `path ${name}=${JSON.stringify(value)}`);
        }),
        { numRuns: 6 },
      );
    }

    // '#' and control characters in every string of the body (ids, user ids, names); ids repeated in its lists.
    const accepted: { what: string; body: unknown }[] = [];
    if (route.body && sample.body !== undefined) {
      await fc.assert(
        fc.asyncProperty(crafted, async (value) => {
          for (const variant of variants(sample.body, value)) {
            if (route.body!.safeParse(variant.body).success) {
              accepted.push(variant);
              continue;
            }
            const answer = await request(route, sample.path, JSON.stringify(variant.body));
            expectRefusal(answer, variant.what);
            expect(answer.status, variant.what).toBe(400);
          }
        }),
        { numRuns: 4 },
      );
    }

    // Cursors nobody was given.
    if (route.query?.shape.cursor) {
      await fc.assert(
        fc.asyncProperty(forgedCursors, async (cursor) => {
          const answer = await request(route, `${sample.path}?cursor=${cursor}`, sampleBody);
          expectRefusal(answer, `cursor ${cursor.slice(0, 60)}`);
        }),
        { numRuns: 8 },
      );
    }

    expect(await itemCount()).toBe(before);

    // What the schemas accept (free text such as descriptions, a role named twice) may change things, but never answers 5xx.
    for (const variant of accepted.filter((v, i, all) => all.findIndex((x) => x.what === v.what) === i)) {
      const answer = await request(route, sample.path, JSON.stringify(variant.body));
      expect(answer.status, `${variant.what}: ${JSON.stringify(answer.body).slice(0, 200)}`).toBeLessThan(500);
    }
  });
});

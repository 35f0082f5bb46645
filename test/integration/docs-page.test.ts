// The API reference page (GET /docs): served without a token, renders in headless Chromium with nothing blocked or failing, and lists every route.
import { existsSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderDocsPage } from "../../shared/http/docs-page";
import { routeList } from "../../shared/http/routes";
import { startApi, type TestApi } from "../support/api";

const chromiumPath = "/usr/bin/chromium";
const screenshotFile = fileURLToPath(new URL("../../docs/api-page.png", import.meta.url));

let api: TestApi;
let browser: Browser | undefined;
let loaded: Page | undefined;
/** Everything the browser reported as going wrong while loading the page. */
const problems: string[] = [];

/** The page as Chromium loaded it; without Chromium each browser test fails (not skips) with how to install it. */
function page(): Page {
  if (loaded) return loaded;
  throw new Error(
    `Chromium is missing at ${chromiumPath}; install it with: apt-get update && apt-get install -y chromium (.ci/run does this)`,
  );
}

beforeAll(async () => {
  api = await startApi();
  if (!existsSync(chromiumPath)) return;
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // Chromium logs every blocked style or resource as a console error; its warnings (e.g. about Permissions-Policy features it does not know) block nothing.
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) =>
    problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`),
  );
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`answer ${response.status()}: ${response.url()}`);
  });
  // Runs through the DevTools protocol, outside the page's policy, so it sees what the policy blocks; page code is strings here (no DOM types in this project).
  await page.addInitScript(
    'document.addEventListener("securitypolicyviolation", (e) => console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI))',
  );
  const answer = await page.goto(`${api.url}/docs`, { waitUntil: "load" });
  expect(answer?.status()).toBe(200);
  loaded = page;
});

afterAll(async () => {
  await browser?.close();
  await api?.close();
});

describe("the API reference page", () => {
  it("is served without a token as HTML whose policy allows its inline styles and nothing else", async () => {
    const answer = await api.request("GET", "/docs");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toMatch(/^text\/html/);
    const policy = answer.headers.get("content-security-policy") ?? "";
    expect(policy.split(",")).toHaveLength(1);
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("style-src 'unsafe-inline'");
    expect(policy).not.toMatch(/script-src|unsafe-eval/);
  });

  it("leaves the JSON routes' security headers as they were", async () => {
    const answer = await api.request("GET", "/health");
    expect(answer.headers.get("content-security-policy") ?? "").not.toContain("unsafe-inline");
    expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("renders in Chromium with its styles, no script, no console error, no failed request and no CSP violation", async () => {
    expect(await page().locator("script").count()).toBe(0);
    // The page's own background colour: proof that the inline stylesheet was applied.
    expect(await page().evaluate("getComputedStyle(document.body).backgroundColor")).toBe("rgb(246, 247, 249)");
    expect(await page().title()).toContain("Twin Access API");
    expect(problems).toEqual([]);
  });

  it("lists every route of the route table with its method and path, visibly", async () => {
    const headings = page().locator("section.op h3");
    const shown: string[] = [];
    for (let i = 0; i < (await headings.count()); i++) {
      const heading = headings.nth(i);
      if (await heading.isVisible()) shown.push((await heading.innerText()).replace(/\s+/g, " ").trim());
    }
    for (const route of routeList) {
      expect(
        shown.some((line) => line.startsWith(`${route.method} ${route.path} `)),
        `${route.method} ${route.path}`,
      ).toBe(true);
    }
    expect(shown).toHaveLength(routeList.length);
  });

  it("links the OpenAPI document and explains errors, pagination and Idempotency-Key", async () => {
    const text = await page().locator("body").innerText();
    for (const phrase of [
      '{ "error": { "code", "message", "details"? } }',
      "cursor",
      "Idempotency-Key",
      "Bearer token",
      "Public: no token",
    ]) {
      expect(text).toContain(phrase);
    }
    const href = await page().locator('a[href="openapi.json"]').first().getAttribute("href");
    expect(new URL(href!, page().url()).href).toBe(`${api.url}/openapi.json`);
  });

  it("escapes every string it takes from the document", () => {
    const evil = "<script>alert(1)</script>\"'&";
    const html = renderDocsPage({
      info: { title: evil, version: evil, description: `\`${evil}\`` },
      tags: [{ name: evil, description: evil }],
      paths: {
        [`/x/{${evil}}`]: {
          get: {
            operationId: evil,
            summary: evil,
            description: evil,
            tags: [evil],
            parameters: [
              { name: evil, in: "query", description: evil, schema: { type: "string", pattern: evil, default: evil } },
            ],
            responses: {
              "200": { description: evil, content: { [evil]: { schema: { $ref: `#/components/schemas/${evil}` } } } },
            },
          },
        },
      },
      components: {
        schemas: {
          [evil]: {
            type: "object",
            description: evil,
            properties: { [evil]: { enum: [evil], description: evil } },
            required: [evil],
          },
        },
      },
    });
    expect(html).not.toMatch(/<script|alert\(1\)<\//);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;");
  });

  it("renders to an image of the page (kept as docs/api-page.png when UPDATE_SCREENSHOTS=1)", async () => {
    // The whole page is about 70 000 pixels tall; its top (contents, conventions, the first operations) is what a README shows.
    const png = await page().screenshot({ fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 2600 } });
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(png.readUInt32BE(16)).toBe(1280);
    // A blank page compresses to a few kilobytes; the rendered reference is far larger.
    expect(png.length).toBeGreaterThan(50_000);
    if (process.env.UPDATE_SCREENSHOTS === "1") writeFileSync(screenshotFile, png);
  });
});

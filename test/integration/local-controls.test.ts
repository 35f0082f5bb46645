// The local stack's controls (`/_local/*` on the gateway, the Lambda Invoke API) answer the developer's own tools, never a web page, and listen on 127.0.0.1 only.
import { request, type Server } from "node:http";
import { networkInterfaces } from "node:os";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clockOffset } from "../../shared/clock";
import { createLambdaServer } from "../../infra/local/lambda";
import { listen } from "../../infra/local/stack";
import { startApi, type TestApi } from "../support/api";
import { closeServer } from "../../infra/local/close-server";

interface Answer {
  status: number;
  body: string;
}

/** A raw HTTP request, so a test can send the `Host`, `Origin` and `Sec-Fetch-Site` a browser would. */
function send(
  host: string,
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body = "",
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host, port, method, path, headers: { "content-type": "application/json", ...headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** An IPv4 address of this machine other than loopback, if it has one. */
const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === "IPv4" && !i.internal)?.address;

describe("local gateway controls refuse web pages", () => {
  let api: TestApi;
  let port: number;
  beforeAll(async () => {
    api = await startApi();
    port = Number(new URL(api.url).port);
  });
  afterAll(() => api.close());

  const advance = (headers: Record<string, string>) =>
    send("127.0.0.1", port, "POST", "/_local/clock", headers, JSON.stringify({ advance: "PT1S" }));

  it("refuses to move the clock for a page of another origin (403), and the clock stays", async () => {
    const before = clockOffset();
    const answer = await advance({ origin: "https://evil.example" });
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body).error.message).toMatch(/Origin 'https:\/\/evil.example'/);
    expect(clockOffset()).toBe(before);
  });

  it("refuses a page on another port of this machine, and an opaque (null) origin", async () => {
    expect((await advance({ origin: `http://127.0.0.1:${port + 1}` })).status).toBe(403);
    expect((await advance({ origin: "null" })).status).toBe(403);
    expect((await send("127.0.0.1", port, "GET", "/_local/mail", { origin: "http://localhost:1" })).status).toBe(403);
  });

  it("refuses a page whose DNS name was rebound to 127.0.0.1 (its own name in Host)", async () => {
    expect((await send("127.0.0.1", port, "GET", "/_local/mail", { host: `evil.example:${port}` })).status).toBe(403);
    expect((await send("127.0.0.1", port, "POST", "/_local/tick", { host: `evil.example:${port}` })).status).toBe(403);
  });

  it("refuses a cross-site request a browser sent without Origin (Sec-Fetch-Site)", async () => {
    expect((await send("127.0.0.1", port, "GET", "/_local/mail", { "sec-fetch-site": "cross-site" })).status).toBe(403);
  });

  it("answers the stack's own page and tools without a browser (curl, npm scripts)", async () => {
    const before = clockOffset();
    expect((await advance({ origin: `http://127.0.0.1:${port}`, "sec-fetch-site": "same-origin" })).status).toBe(200);
    expect((await advance({ origin: `http://localhost:${port}` })).status).toBe(200);
    expect((await advance({})).status).toBe(200);
    expect(clockOffset()).toBe(before + 3000);
    expect((await send("127.0.0.1", port, "GET", "/_local/mail")).status).toBe(200);
  });

  it("listens on 127.0.0.1 only", async () => {
    expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    if (outsideAddress) await expect(send(outsideAddress, port, "GET", "/health")).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("local Lambda Invoke API refuses web pages", () => {
  let server: Server;
  let port: number;
  let invoked: unknown[];
  beforeAll(async () => {
    invoked = [];
    server = createLambdaServer({
      tick: async (event) => {
        invoked.push(event);
        return { ran: true };
      },
    });
    port = await listen(server, 0);
  });
  afterAll(() => closeServer(server));

  const invoke = (headers: Record<string, string>) =>
    send("127.0.0.1", port, "POST", "/2015-03-31/functions/tick/invocations", headers, JSON.stringify({ job: "x" }));

  it("refuses to run a function for a page of another origin or a rebound name (403), and runs nothing", async () => {
    invoked.length = 0;
    expect((await invoke({ origin: "https://evil.example" })).status).toBe(403);
    expect((await invoke({ host: `evil.example:${port}` })).status).toBe(403);
    expect((await invoke({ "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect(invoked).toEqual([]);
  });

  it("runs the function for the SDK on this machine", async () => {
    invoked.length = 0;
    const answer = await invoke({});
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ ran: true });
    expect(invoked).toEqual([{ job: "x" }]);
  });

  it("listens on 127.0.0.1 only", async () => {
    expect((server.address() as AddressInfo).address).toBe("127.0.0.1");
    if (outsideAddress)
      await expect(send(outsideAddress, port, "POST", "/2015-03-31/functions/tick/invocations")).rejects.toThrow(
        /ECONNREFUSED/,
      );
  });
});

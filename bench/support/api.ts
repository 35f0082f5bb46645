// A small HTTP client for the benchmarks: signs in as any user with the in-memory issuer and refuses answers with an unexpected status.
import { Agent, request as httpRequest, type OutgoingHttpHeaders } from "node:http";
import { clock } from "../../shared/clock";
import type { Issuer } from "../../infra/local/tokens";

export interface Reply {
  status: number;
  // Answers are the API's JSON; the benchmarks read a few known fields.
  body: any;
}

export interface User {
  userId: string;
  token: string;
  call(method: string, path: string, body?: unknown): Promise<Reply>;
  /** `call`, throwing unless the answer is 2xx, so fixtures and timed requests never proceed on an error. */
  ok(method: string, path: string, body?: unknown): Promise<any>;
}

/**
 * One keep-alive connection pool for every request of a benchmark: the load generator runs in the process it measures,
 * so it uses Node's own HTTP client (the one the SDK's DynamoDB requests use for the baseline) rather than `fetch`,
 * whose streams cost several times more CPU per request and would be timed as part of the service.
 */
const agent = new Agent({ keepAlive: true });

/** The headers `fetch` sends, so the gateway and the handlers get the same requests as from any HTTP client. */
const clientHeaders = {
  accept: "*/*",
  "accept-language": "*",
  "sec-fetch-mode": "cors",
  "user-agent": "node",
  "accept-encoding": "gzip, deflate",
};

export function request(
  url: string,
  method: string,
  path: string,
  init: { body?: unknown; token?: string } = {},
): Promise<Reply> {
  const payload = init.body === undefined ? undefined : Buffer.from(JSON.stringify(init.body));
  const headers: OutgoingHttpHeaders = {
    ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    ...(payload ? { "content-type": "application/json" } : {}),
    ...clientHeaders,
    ...(payload ? { "content-length": payload.length } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = httpRequest(url + path, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          // The API page is HTML; keep the text.
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

export function failed(method: string, path: string, reply: Reply): Error {
  return new Error(`${method} ${path} answered ${reply.status}: ${JSON.stringify(reply.body).slice(0, 300)}`);
}

/**
 * Signs `userId` in at the service clock's now (tokens are judged against it, and role changes against their issue time).
 * Tokens last 90 days, so a benchmark may move the clock on without signing in again.
 */
export async function signIn(url: string, issuer: Issuer, userId: string): Promise<User> {
  const token = await issuer.mint(
    { sub: userId, email: `${userId}@example.com`, name: userId },
    { issuedAt: Math.floor(clock.now().getTime() / 1000), expiresInSeconds: 90 * 24 * 3600 },
  );
  const call = (method: string, path: string, body?: unknown) => request(url, method, path, { body, token });
  return {
    userId,
    token,
    call,
    async ok(method, path, body) {
      const reply = await call(method, path, body);
      if (reply.status < 200 || reply.status > 299) throw failed(method, path, reply);
      return reply.body;
    },
  };
}

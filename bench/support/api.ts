// A small HTTP client for the benchmarks: signs in as any user with the in-memory issuer and refuses answers with an unexpected status.
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

export async function request(url: string, method: string, path: string, init: { body?: unknown; token?: string } = {}): Promise<Reply> {
  const response = await fetch(url + path, {
    method,
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // The API page is HTML; keep the text.
  }
  return { status: response.status, body };
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

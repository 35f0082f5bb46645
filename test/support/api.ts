// Starts the local gateway with the real handlers in this test file's process and gives each test a client per user.
import type { Server } from "node:http";
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import type { App } from "../../shared/app";
import { clock } from "../../shared/clock";
import { buildGateway, listen } from "../../infra/local/stack";
import { memoryIssuer, type Issuer } from "../../infra/local/tokens";
import { checkAgainstContract } from "./contract";
import { settled } from "../../shared/jobs";
import { closeServer } from "../../infra/local/close-server";

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface Client {
  userId: string;
  token: string;
  get<T = any>(path: string): Promise<Reply<T>>;
  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply<T>>;
  put<T = any>(path: string, body?: unknown): Promise<Reply<T>>;
  patch<T = any>(path: string, body?: unknown): Promise<Reply<T>>;
  delete<T = any>(path: string): Promise<Reply<T>>;
}

export interface TestApi {
  url: string;
  issuer: Issuer;
  /**
   * A client signed in now as `userId` (verified email `<userId>@example.com`). `email_verified: null`
   * leaves the claim out; `issuedAt` (seconds) and `auth_time` mint an older token.
   */
  as(
    userId: string,
    claims?: {
      email?: string;
      name?: string;
      email_verified?: boolean | string | null;
      auth_time?: number;
      issuedAt?: number;
    },
  ): Promise<Client>;
  /** Raw request with an optional Authorization header value. */
  request(method: string, path: string, init?: { body?: string; headers?: Record<string, string> }): Promise<Reply>;
  close(): Promise<void>;
}

/** A user id unique to this run, so tests never collide in the shared table. */
export const uniqueUser = (name: string) => `${name}-${randomBytes(5).toString("hex")}`;

/**
 * Starts the local gateway with the real handlers in this test file's process and gives each test a
 * client per user. Every answer is checked against the OpenAPI document before the test sees it.
 */
export async function startApi(options: { app?: App } = {}): Promise<TestApi> {
  const issuer = await memoryIssuer();
  const server: Server = await buildGateway({
    app: options.app,
    dynamodbEndpoint: inject("dynamodbEndpoint"),
    sesEndpoint: inject("sesEndpoint"),
    tableName: process.env.TABLE_NAME!,
    issuer,
  });
  const port = await listen(server, 0);
  const url = `http://127.0.0.1:${port}`;

  const request = async (
    method: string,
    path: string,
    init: { body?: string; headers?: Record<string, string> } = {},
  ) => {
    const response = await fetch(url + path, { method, body: init.body, headers: init.headers });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (the API page); keep the text.
    }
    checkAgainstContract(method, path, response.status, response.headers.get("content-type"), body);
    // What the request handed to the background (a manual run, mail) has finished before the test goes on,
    // as it would have a moment later on AWS; a test that looks at the work in between builds its app with its own jobs.
    await settled();
    return { status: response.status, body, headers: response.headers } as Reply;
  };

  return {
    url,
    issuer,
    request,
    async as(userId, claims = {}) {
      const verified = claims.email_verified === undefined ? true : claims.email_verified;
      const token = await issuer.mint(
        {
          sub: userId,
          email: claims.email ?? `${userId}@example.com`,
          name: claims.name ?? userId,
          ...(verified === null ? {} : { email_verified: verified }),
          ...(claims.auth_time === undefined ? {} : { auth_time: claims.auth_time }),
        } as Parameters<Issuer["mint"]>[0],
        { issuedAt: claims.issuedAt ?? Math.floor(clock.now().getTime() / 1000) },
      );
      const call =
        (method: string) =>
        (path: string, body?: unknown, headers: Record<string, string> = {}) =>
          request(method, path, {
            body: body === undefined ? undefined : JSON.stringify(body),
            headers: {
              authorization: `Bearer ${token}`,
              ...(body === undefined ? {} : { "content-type": "application/json" }),
              ...headers,
            },
          });
      return {
        userId,
        token,
        get: call("GET"),
        post: call("POST"),
        put: call("PUT"),
        patch: call("PATCH"),
        delete: call("DELETE"),
      };
    },
    close: () => closeServer(server),
  };
}

// The local JWT check accepts and refuses what API Gateway's HTTP API JWT authorizer does, one test per rule of its documentation.
// Source: "Control access to HTTP APIs with JWT authorizers in API Gateway", section "Authorizing API requests with a JWT
// authorizer", https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway } from "../../infra/local/gateway";
import { memoryIssuer, type Issuer } from "../../infra/local/tokens";
import type { RouteDef } from "../../shared/http/route";
import { closeServer } from "../../infra/local/close-server";

const aws = "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html";
const now = Math.floor(Date.now() / 1000);
const at = (seconds: number) => new Date(seconds * 1000);

let issuer: Issuer;
beforeAll(async () => {
  issuer = await memoryIssuer();
});

describe(`claims, as the JWT authorizer validates them (${aws}, step 4)`, () => {
  it("accepts an access token that names the audience in client_id and has no aud", async () => {
    const token = await issuer.mint({ sub: "ada" }, { audience: null, clientId: issuer.audience, issuedAt: now });
    expect((await issuer.verify(token, at(now))).sub).toBe("ada");
  });

  it("refuses a token whose client_id names another audience and has no aud", async () => {
    const token = await issuer.mint({ sub: "ada" }, { audience: null, clientId: "someone-else", issuedAt: now });
    await expect(issuer.verify(token, at(now))).rejects.toThrow(/aud/);
  });

  it("refuses a token with neither aud nor client_id", async () => {
    const token = await issuer.mint({ sub: "ada" }, { audience: null, issuedAt: now });
    await expect(issuer.verify(token, at(now))).rejects.toThrow(/aud/);
  });

  it("refuses a token whose aud names another audience, even when client_id names ours", async () => {
    const token = await issuer.mint(
      { sub: "ada" },
      { audience: "someone-else", clientId: issuer.audience, issuedAt: now },
    );
    await expect(issuer.verify(token, at(now))).rejects.toThrow(/aud/);
  });

  it("refuses a token without kid in its header (kid must match a key of the jwks_uri)", async () => {
    const token = await issuer.mint({ sub: "ada" }, { kid: null, issuedAt: now });
    await expect(issuer.verify(token, at(now))).rejects.toThrow(/kid/);
  });

  it("refuses a token whose kid names no key of the issuer, though its signature is good", async () => {
    const token = await issuer.mint({ sub: "ada" }, { kid: "rotated-away", issuedAt: now });
    await expect(issuer.verify(token, at(now))).rejects.toThrow(/kid/);
  });

  it("refuses a token without exp", async () => {
    const token = await issuer.mint({ sub: "ada" }, { expiresInSeconds: null, issuedAt: now });
    await expect(issuer.verify(token, at(now))).rejects.toThrow(/exp/);
  });

  it("refuses a token from the second of its exp (exp must be after the current time)", async () => {
    const token = await issuer.mint({ sub: "ada" }, { issuedAt: now, expiresInSeconds: 60 });
    expect((await issuer.verify(token, at(now + 59))).sub).toBe("ada");
    await expect(issuer.verify(token, at(now + 60))).rejects.toThrow(/exp/);
  });

  it("refuses a token issued in the future (iat must be before the current time), also once remembered", async () => {
    const token = await issuer.mint({ sub: "ada" }, { issuedAt: now + 30 });
    await expect(issuer.verify(token, at(now))).rejects.toThrow(/iat/);
    expect((await issuer.verify(token, at(now + 30))).sub).toBe("ada");
    await expect(issuer.verify(token, at(now))).rejects.toThrow(/iat/);
  });

  it("refuses a token before its nbf (nbf must be before the current time)", async () => {
    const token = await issuer.mint({ sub: "ada" }, { issuedAt: now, notBefore: now + 30 });
    await expect(issuer.verify(token, at(now))).rejects.toThrow(/nbf/);
    expect((await issuer.verify(token, at(now + 30))).sub).toBe("ada");
  });

  it("refuses a token of another issuer (iss must match the authorizer's issuer)", async () => {
    const token = await issuer.mint({ sub: "ada" }, { issuer: "https://evil.example/", issuedAt: now });
    await expect(issuer.verify(token, at(now))).rejects.toThrow(/iss/);
  });
});

describe(`the identity source, as the JWT authorizer reads it (${aws}, step 1)`, () => {
  const route: RouteDef = {
    id: "whoami",
    method: "GET",
    path: "/whoami",
    group: "organizations",
    auth: true,
    summary: "Who signed the token",
    description: "",
    tag: "test",
    success: { status: 200, description: "the subject" },
    errors: [],
  };
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const server = createGateway({
      routes: [route],
      issuer,
      handlers: {
        organizations: async (event) => ({
          statusCode: 200,
          body: JSON.stringify({ sub: event.requestContext.authorizer.jwt.claims.sub }),
        }),
      },
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/whoami`;
    close = () => closeServer(server);
  });
  afterAll(() => close());

  const call = (authorization: string) => fetch(url, { headers: { authorization } });

  it("accepts the token prefixed with Bearer", async () => {
    const response = await call(`Bearer ${await issuer.mint({ sub: "ada" })}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sub: "ada" });
  });

  it("accepts the token alone, without Bearer", async () => {
    const response = await call(await issuer.mint({ sub: "ada" }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sub: "ada" });
  });

  it("refuses another scheme, or a token with anything after it", async () => {
    const token = await issuer.mint({ sub: "ada" });
    expect((await call(`Basic ${token}`)).status).toBe(401);
    expect((await call(`Bearer ${token} extra`)).status).toBe(401);
  });
});

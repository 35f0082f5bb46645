// The local token issuer: an RS256 key kept under .local/, tokens minted for any user, verified as API Gateway's JWT authorizer would.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from "jose";

export const localIssuer = "http://127.0.0.1:3000";
export const localAudience = "twin-access";

export interface Issuer {
  issuer: string;
  audience: string;
  publicJwk: JWK;
  /** `issuer`/`audience` override the issuer's own, to forge the tokens an authorizer must refuse. */
  mint(
    claims: { sub: string; email?: string; name?: string; email_verified?: boolean },
    options?: { expiresInSeconds?: number; issuedAt?: number; issuer?: string; audience?: string },
  ): Promise<string>;
  /** Verifies signature, issuer, audience and expiry at `now` (the service clock, which the local stack can move). */
  verify(token: string, now?: Date): Promise<JWTPayload>;
}

async function makeIssuer(privateJwk: JWK, issuer: string, audience: string): Promise<Issuer> {
  const privateKey = await importJWK(privateJwk, "RS256");
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;
  const publicKey = await importJWK(publicJwk, "RS256");
  return {
    issuer,
    audience,
    publicJwk: { ...publicJwk, use: "sig", alg: "RS256" },
    mint(claims, options = {}) {
      const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
      return new SignJWT({ ...claims })
        .setProtectedHeader({ alg: "RS256", kid: privateJwk.kid ?? "local" })
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + (options.expiresInSeconds ?? 3600))
        .sign(privateKey);
    },
    async verify(token, now) {
      const { payload } = await jwtVerify(token, publicKey, { issuer, audience, algorithms: ["RS256"], currentDate: now });
      return payload;
    },
  };
}

/** Loads the key kept at `keyFile`, creating it on first use, so tokens stay valid across restarts. */
export async function loadIssuer(keyFile: string, issuer = localIssuer, audience = localAudience): Promise<Issuer> {
  let jwk: JWK;
  if (existsSync(keyFile)) {
    jwk = JSON.parse(readFileSync(keyFile, "utf8")) as JWK;
  } else {
    jwk = await newKey();
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, JSON.stringify(jwk), { mode: 0o600 });
  }
  return makeIssuer(jwk, issuer, audience);
}

/** An issuer whose key lives only in memory: tests use it, and a second one to forge "bad signature" tokens. */
export async function memoryIssuer(issuer = localIssuer, audience = localAudience): Promise<Issuer> {
  return makeIssuer(await newKey(), issuer, audience);
}

async function newKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true, modulusLength: 2048 });
  return { ...(await exportJWK(privateKey)), kid: `local-${Date.now().toString(36)}`, alg: "RS256" };
}

// The local token issuer: an RS256 key kept under .local/, tokens minted for any user, verified as API Gateway's JWT authorizer would.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { errors, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from "jose";

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
  // Per issuer: a token is remembered only for the key that verified it.
  const verified = new VerifiedTokens(VERIFIED_TOKENS);
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
      const known = verified.get(token);
      if (known) {
        // The signature of this exact text was verified with this key; what depends on time is checked again now.
        try {
          checkClaims(known, issuer, audience, now ?? new Date());
        } catch (error) {
          verified.forget(token);
          throw error;
        }
        return structuredClone(known);
      }
      const { payload } = await jwtVerify(token, publicKey, { issuer, audience, algorithms: ["RS256"], currentDate: now });
      verified.add(token, payload);
      return payload;
    },
  };
}

/** How many verified tokens an issuer remembers: a few per signed-in user of a local stack or a benchmark. */
const VERIFIED_TOKENS = 1000;

/**
 * Tokens whose signature (and every check that does not depend on time) passed with the issuer's key, by their exact
 * text, least recently used first. A token is only remembered after a full `jwtVerify` accepted it; a hit skips the
 * RSA verification, never the claims: `checkClaims` judges iss, aud, nbf and exp on every request.
 */
class VerifiedTokens {
  private readonly byToken = new Map<string, JWTPayload>();

  constructor(private readonly capacity: number) {}

  get(token: string): JWTPayload | undefined {
    const payload = this.byToken.get(token);
    if (payload) {
      this.byToken.delete(token);
      this.byToken.set(token, payload);
    }
    return payload;
  }

  add(token: string, payload: JWTPayload): void {
    this.byToken.delete(token);
    this.byToken.set(token, structuredClone(payload));
    if (this.byToken.size > this.capacity) this.byToken.delete(this.byToken.keys().next().value!);
  }

  forget(token: string): void {
    this.byToken.delete(token);
  }
}

/** jose's claim checks for the options `verify` passes (issuer, audience, no clock tolerance), with the same errors. */
function checkClaims(payload: JWTPayload, issuer: string, audience: string, now: Date): void {
  const at = Math.floor(now.getTime() / 1000);
  if (!Number.isFinite(at)) throw new TypeError("Invalid currentDate option input");
  if (payload.iss !== issuer) throw new errors.JWTClaimValidationFailed('unexpected "iss" claim value', payload, "iss", "check_failed");
  const aud = payload.aud;
  if (!(typeof aud === "string" ? aud === audience : Array.isArray(aud) && aud.includes(audience))) {
    throw new errors.JWTClaimValidationFailed('unexpected "aud" claim value', payload, "aud", "check_failed");
  }
  if (payload.nbf !== undefined && !(typeof payload.nbf === "number" && payload.nbf <= at)) {
    throw new errors.JWTClaimValidationFailed('"nbf" claim timestamp check failed', payload, "nbf", "check_failed");
  }
  if (payload.exp !== undefined && !(typeof payload.exp === "number" && payload.exp > at)) {
    throw new errors.JWTExpired('"exp" claim timestamp check failed', payload, "exp", "check_failed");
  }
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

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
  /** Options other than `issuedAt` and `expiresInSeconds` forge the tokens an authorizer must refuse (or accept): see `MintOptions`. */
  mint(
    claims: { sub: string; email?: string; name?: string; email_verified?: boolean },
    options?: MintOptions,
  ): Promise<string>;
  /**
   * Verifies a token as API Gateway's HTTP API JWT authorizer does, at `now` (the service clock, which the local stack
   * can move): RS256 signature by this key, `kid` naming it, `iss`, `aud` or `client_id` naming the audience, `exp`
   * present and after now, `nbf` and `iat` (when present) not after now. See `checkClaims` for the source.
   */
  verify(token: string, now?: Date): Promise<JWTPayload>;
}

export interface MintOptions {
  /** Seconds since the epoch; also the start of `expiresInSeconds`. */
  issuedAt?: number;
  /** `null` leaves `exp` out. */
  expiresInSeconds?: number | null;
  notBefore?: number;
  issuer?: string;
  /** `null` leaves `aud` out (an access token naming its client in `client_id` instead). */
  audience?: string | null;
  clientId?: string;
  /** `null` leaves `kid` out of the header. */
  kid?: string | null;
}

async function makeIssuer(privateJwk: JWK, issuer: string, audience: string): Promise<Issuer> {
  const privateKey = await importJWK(privateJwk, "RS256");
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;
  const publicKey = await importJWK(publicJwk, "RS256");
  const ownKid = privateJwk.kid ?? "local";
  // Per issuer: a token is remembered only for the key that verified it.
  const verified = new VerifiedTokens(VERIFIED_TOKENS);
  return {
    issuer,
    audience,
    publicJwk: { ...publicJwk, kid: ownKid, use: "sig", alg: "RS256" },
    mint(claims, options = {}) {
      const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
      const kid = options.kid === undefined ? ownKid : options.kid;
      const jwt = new SignJWT({ ...claims, ...(options.clientId === undefined ? {} : { client_id: options.clientId }) })
        .setProtectedHeader(kid === null ? { alg: "RS256" } : { alg: "RS256", kid })
        .setIssuer(options.issuer ?? issuer)
        .setIssuedAt(iat);
      const aud = options.audience === undefined ? audience : options.audience;
      if (aud !== null) jwt.setAudience(aud);
      if (options.expiresInSeconds !== null) jwt.setExpirationTime(iat + (options.expiresInSeconds ?? 3600));
      if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
      return jwt.sign(privateKey);
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
        return copyOf(known);
      }
      // The key is looked up by `kid`, as API Gateway looks it up in the issuer's JWKS: a token without one names no key.
      const { payload } = await jwtVerify(
        token,
        (header) => {
          if (header.kid !== ownKid)
            throw new errors.JWKSNoMatchingKey(
              header.kid === undefined ? "the token has no kid" : "no key matches the token's kid",
            );
          return publicKey;
        },
        { issuer, algorithms: ["RS256"], currentDate: now },
      );
      checkClaims(payload, issuer, audience, now ?? new Date());
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
 * RSA verification, never the claims: `checkClaims` judges iss, aud, exp, nbf and iat on every request.
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
    this.byToken.set(token, deepFreeze(structuredClone(payload)));
    if (this.byToken.size > this.capacity) this.byToken.delete(this.byToken.keys().next().value!);
  }

  forget(token: string): void {
    this.byToken.delete(token);
  }
}

/**
 * What a remembered token's verification answers: a copy of the payload's top level, whose nested values (an `aud`
 * array, an object claim) are the remembered ones, frozen when remembered. The caller can change its copy, never what
 * the next request is judged on; a `structuredClone` per request cost about a tenth of the gateway's time (issue 13).
 */
const copyOf = (payload: Readonly<JWTPayload>): JWTPayload => ({ ...payload });

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const nested of Object.values(value)) deepFreeze(nested);
  }
  return value;
}

/**
 * The claim checks of API Gateway's HTTP API JWT authorizer ("Control access to HTTP APIs with JWT authorizers in API
 * Gateway", https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html, "Authorizing API
 * requests with a JWT authorizer", step 4): `iss` matches the issuer; `aud` or, when there is no `aud`, `client_id`
 * matches the audience; `exp` after the current time; `nbf` and `iat` before it. A token without `exp` is refused (the
 * authorizer has no expiry to judge). Judged again on every request, also for remembered tokens.
 */
function checkClaims(payload: JWTPayload, issuer: string, audience: string, now: Date): void {
  const at = Math.floor(now.getTime() / 1000);
  if (!Number.isFinite(at)) throw new TypeError("Invalid currentDate option input");
  if (payload.iss !== issuer)
    throw new errors.JWTClaimValidationFailed('unexpected "iss" claim value', payload, "iss", "check_failed");
  const aud = payload.aud;
  const audienceMatches =
    aud === undefined
      ? payload.client_id === audience
      : typeof aud === "string"
        ? aud === audience
        : Array.isArray(aud) && aud.includes(audience);
  if (!audienceMatches)
    throw new errors.JWTClaimValidationFailed(
      'unexpected "aud" (or "client_id") claim value',
      payload,
      "aud",
      "check_failed",
    );
  if (typeof payload.exp !== "number")
    throw new errors.JWTClaimValidationFailed('missing "exp" claim', payload, "exp", "missing");
  if (!(payload.exp > at))
    throw new errors.JWTExpired('"exp" claim timestamp check failed', payload, "exp", "check_failed");
  if (payload.nbf !== undefined && !(typeof payload.nbf === "number" && payload.nbf <= at)) {
    throw new errors.JWTClaimValidationFailed('"nbf" claim timestamp check failed', payload, "nbf", "check_failed");
  }
  if (payload.iat !== undefined && !(typeof payload.iat === "number" && payload.iat <= at)) {
    throw new errors.JWTClaimValidationFailed(
      '"iat" claim timestamp check failed: issued in the future',
      payload,
      "iat",
      "check_failed",
    );
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

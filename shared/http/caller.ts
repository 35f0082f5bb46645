// Who is calling: read from the claims the JWT authorizer (or the local gateway) verified, which arrive as strings.
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from "aws-lambda";
import { unauthorized } from "../errors";

export interface Caller {
  userId: string;
  /**
   * The address the identity provider vouches for: the `email` claim only when `email_verified` is
   * "true". A token without that claim (Entra ID, many custom issuers) carries no address here.
   */
  email?: string;
  name?: string;
  /**
   * When the token was issued (`iat`): a promotion applies to tokens issued after it. Never
   * `auth_time`, which identity providers keep across refreshes, so it can be days old.
   */
  signedInAt: Date;
}

type Claims = Record<string, string | number | boolean | string[]>;

/** API Gateway's JWT authorizer hands every claim to the function as a string: only "true" is true. */
export const verifiedEmail = (claims: Claims): string | undefined =>
  typeof claims.email === "string" && claims.email_verified === "true" ? claims.email : undefined;

export function callerFrom(event: APIGatewayProxyEventV2WithJWTAuthorizer): Caller {
  const claims = (event.requestContext.authorizer?.jwt?.claims ?? {}) as Claims;
  const sub = typeof claims.sub === "string" ? claims.sub : undefined;
  if (!sub) throw unauthorized();
  const issued = Number(claims.iat);
  if (claims.iat === undefined || claims.iat === "" || !Number.isFinite(issued))
    throw unauthorized("The token has no 'iat' claim");
  const email = verifiedEmail(claims);
  return {
    userId: sub,
    ...(email ? { email } : {}),
    name: typeof claims.name === "string" ? claims.name : undefined,
    signedInAt: new Date(issued * 1000),
  };
}

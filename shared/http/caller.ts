// Who is calling (the domain `Caller`): read from the claims the JWT authorizer (or the local gateway) verified, which arrive as strings.
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from "aws-lambda";
import type { Caller } from "../domain/caller";
import { unauthorized } from "../errors";

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

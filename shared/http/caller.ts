// Who is calling: read from the claims the JWT authorizer (or the local gateway) verified.
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from "aws-lambda";
import { unauthorized } from "../errors";

export interface Caller {
  userId: string;
  email?: string;
  /** False only when the identity provider says the address is not verified; invitations by e-mail need it true. */
  emailVerified?: boolean;
  name?: string;
  /** When the token was issued: role changes apply from the next sign-in, so rules compare against it. */
  signedInAt: Date;
}

type Claims = Record<string, string | number | boolean | string[]>;

export function callerFrom(event: APIGatewayProxyEventV2WithJWTAuthorizer): Caller {
  const claims = (event.requestContext.authorizer?.jwt?.claims ?? {}) as Claims;
  const sub = typeof claims.sub === "string" ? claims.sub : undefined;
  if (!sub) throw unauthorized();
  const issued = Number(claims.auth_time ?? claims.iat);
  if (!Number.isFinite(issued)) throw unauthorized("The token has no 'iat' claim");
  return {
    userId: sub,
    email: typeof claims.email === "string" ? claims.email : undefined,
    emailVerified: String(claims.email_verified ?? "true") !== "false",
    name: typeof claims.name === "string" ? claims.name : undefined,
    signedInAt: new Date(issued * 1000),
  };
}

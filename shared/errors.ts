// The one error type of the service: a code, an HTTP status and a message a user can act on.
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503;

export class AppError extends Error {
  constructor(
    readonly status: ErrorStatus,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const invalidInput = (message: string, details?: Record<string, unknown>) =>
  new AppError(400, "InvalidInput", message, details);

export const unauthorized = (message = "Sign in: the request has no valid bearer token") =>
  new AppError(401, "Unauthorized", message);

export const forbidden = (message: string) => new AppError(403, "Forbidden", message);

/** Unknown, or not visible to the caller: the two are indistinguishable on purpose. */
export const notFound = (what: string, id: string) =>
  new AppError(404, "NotFound", `No ${what} '${id}' exists or it is not visible to you`);

export const conflict = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(409, code, message, details);

export const bodyTooLarge = (limit: number) =>
  new AppError(413, "BodyTooLarge", `The request body exceeds ${limit} bytes`);

export const unsupportedMediaType = () =>
  new AppError(415, "UnsupportedMediaType", "Send the body as application/json");

export const serviceUnavailable = (message: string) => new AppError(503, "ServiceUnavailable", message);

/** The organisation made more requests per second than it may (shared/http/org-limit.ts); `Retry-After` carries the seconds. */
export const tooManyRequests = (retryAfterSeconds: number) =>
  new AppError(429, "TooManyRequests", `Your organisation is making too many requests; retry after ${retryAfterSeconds} s`, { retryAfterSeconds });

// Errors of the edge and of any rule alike: malformed input, identity, visibility, body shape, faults and overload.
import { AppError } from "./catalogue";

export const invalidInput = (message: string, details?: Record<string, unknown>) =>
  new AppError("InvalidInput", message, details);

export const unauthorized = (message = "Sign in: the request has no valid bearer token") =>
  new AppError("Unauthorized", message);

export const forbidden = (message: string) => new AppError("Forbidden", message);

/** Unknown, or not visible to the caller: the two are indistinguishable on purpose. */
export const notFound = (what: string, id: string) =>
  new AppError("NotFound", `No ${what} '${id}' exists or it is not visible to you`);

export const bodyTooLarge = (limit: number) => new AppError("BodyTooLarge", `The request body exceeds ${limit} bytes`);

export const unsupportedMediaType = () => new AppError("UnsupportedMediaType", "Send the body as application/json");

export const internalError = () => new AppError("InternalError", "An unexpected error occurred; it has been logged");

export const serviceUnavailable = (message: string) => new AppError("ServiceUnavailable", message);

/** The organisation made more requests per second than it may (shared/http/org-limit.ts); `Retry-After` carries the seconds. */
export const tooManyRequests = (retryAfterSeconds: number) =>
  new AppError("TooManyRequests", `Your organisation is making too many requests; retry after ${retryAfterSeconds} s`, {
    retryAfterSeconds,
  });

/** The caller sent this Idempotency-Key before with another request: the first one's answer is kept for it (shared/http/idempotency.ts). */
export const idempotencyKeyReused = () =>
  new AppError(
    "IdempotencyKeyReused",
    "This Idempotency-Key was sent with another request (another body, path or operation); use a new key for a new request",
  );

// Schemas shared by many routes: identifiers, pagination and the one error shape.
import * as z from "zod";

/** Identifiers are opaque strings the service mints (`org_…`), or user ids taken from a token's `sub`. */
export const resourceId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,96}$/, "must be 1-96 characters of letters, digits, '_' or '-'");

/**
 * A user id as the identity provider writes it in `sub`: printable, no spaces, and no `#` (the key
 * separator of the table: a `#` in a user id could make one user's keys a prefix of another's).
 */
export const userId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21\x22\x24-\x7e]+$/, "must be 1-128 printable ASCII characters without spaces or '#'");

/** Control characters (C0, DEL, C1) and the Unicode line and paragraph separators: never part of a name, and never let into a mail header. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const noControl = /^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$/;

/** A name people type (organisation, application, iTwin, iModel, connection, file, role): 1-`max` characters after trimming, no control characters. */
export const nameText = (max: number) =>
  z.string().regex(noControl, "must not contain control characters or line breaks").trim().min(1).max(max);

/** Free text that is not a name but still lands in one line (a file's version): no control characters. */
export const lineText = (max: number) =>
  z.string().min(1).max(max).regex(noControl, "must not contain control characters or line breaks");

export const email = z.email().max(254);
export const displayName = nameText(200);

export const pageQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(50).describe("Items per page, 1-100 (default 50)"),
    cursor: z
      .string()
      .max(2048)
      .optional()
      .describe("The `next` value of the previous page; absent for the first page"),
  })
  .strict();

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    next: z.string().optional().describe("Cursor of the next page; absent on the last page"),
  });
}

export const errorBody = z
  .object({
    error: z.object({
      code: z.string().describe("Stable machine-readable code, e.g. LastSubscriptionManager"),
      message: z.string().describe("What went wrong and what to do about it"),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: "Error" });

/** What API Gateway's JWT authorizer answers on AWS before any handler runs; the local gateway answers `Error`. */
export const gatewayUnauthorized = z.object({ message: z.string() }).meta({ id: "GatewayUnauthorized" });

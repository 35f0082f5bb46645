// The one place that reads the environment: parsed with zod at module load, so a missing variable stops the cold start by name.
import * as z from "zod";

const schema = z.object({
  TABLE_NAME: z.string().min(1),
  AWS_REGION: z.string().min(1).default("local"),
  DYNAMODB_ENDPOINT: z.url().optional(),
  SES_ENDPOINT: z.url().optional(),
  SENDER_EMAIL: z.email().default("no-reply@twin-access.local"),
  /** Days before a sync token's expiry on which its owner is warned. */
  TOKEN_WARNING_DAYS: z
    .string()
    .default("7,1")
    .transform((s) => s.split(",").map((d) => Number(d.trim())))
    .pipe(z.array(z.number().int().min(1).max(29))),
  /** Mails one address receives at most in any hour; the rest wait and go out as one digest (issue 13, no mail cannon). */
  MAIL_MAX_PER_HOUR: z.coerce.number().int().min(1).max(1000).default(10),
  /** Items of each kind of due work one tick takes at most; the rest waits for the next tick. */
  TICK_MAX_ITEMS: z.coerce.number().int().min(1).max(10_000).default(200),
  /** Due items worked on at the same time within a tick. */
  TICK_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  /** The function that does background jobs (the tick function); unset, jobs run in this process (tests). */
  WORKER_FUNCTION_NAME: z.string().min(1).optional(),
  /** The Lambda API's endpoint: the local gateway on the local stack; unset on AWS. */
  LAMBDA_ENDPOINT: z.url().optional(),
});

export type Config = z.infer<typeof schema>;

export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid configuration: ${problems}`);
  }
  return parsed.data;
}

export const config: Config = parseConfig(process.env);

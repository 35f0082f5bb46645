// The one place that reads the environment: parsed with zod at module load, so a missing variable stops the cold start by name.
import * as z from "zod";
import { DEFAULT_INVITATION_DAYS } from "./domain/invitations";

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
  /**
   * Partitions of each kind of due work in the `due` index. From the arithmetic in docs/scale.md: 100,000 runs
   * due in one minute write ~6 index items per run (~10,000 writes/s) against 1,000 writes/s per partition,
   * so 16 with headroom. Only ever raise it: items keep the shard they were written with, and every shard
   * below the setting is read.
   */
  DUE_SHARDS: z.coerce.number().int().min(1).max(512).default(16),
  /** Due runs handed to one worker invocation (one queue message). */
  DISPATCH_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(25),
  /** Due items one dispatcher invocation reads before it hands the rest to a continuation of itself. */
  DISPATCH_MAX_ITEMS: z.coerce.number().int().min(1).max(200_000).default(20_000),
  /** Milliseconds one dispatcher invocation reads and hands on before it continues in a new invocation. */
  DISPATCH_BUDGET_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** Runs one worker invocation works at once. */
  WORKER_RUN_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(5),
  /** Scheduled runs of one organisation in progress at once, across all workers (one slot = one batch at a time). */
  ORG_MAX_RUNNING: z.coerce.number().int().min(1).max(10_000).default(50),
  /** Requests per second one organisation may make to one API instance before 429 (approximate: per Lambda instance). */
  ORG_REQUESTS_PER_SECOND: z.coerce.number().int().min(1).max(100_000).default(100),
  /** Days an audit entry is kept before DynamoDB's TTL removes it (SPEC section 7: 400). */
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(400),
  /** Days an invitation by e-mail stays open (SPEC section 7: 14 by default); expired ones are neither taken nor listed. */
  INVITATION_DAYS: z.coerce.number().int().min(1).max(365).default(DEFAULT_INVITATION_DAYS),
  /** Set on the tick function: it is its own worker, invoked under the name Lambda gives it at run time. */
  WORKER_IS_SELF: z.enum(["true", "false"]).optional(),
  /** Set by the Lambda runtime. */
  AWS_LAMBDA_FUNCTION_NAME: z.string().min(1).optional(),
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

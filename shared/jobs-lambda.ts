// Jobs on AWS (and on the local stack): an asynchronous invoke of the worker function, which is the tick function (functions/trigger/tick.ts).
import type { LambdaClient } from "@aws-sdk/client-lambda";
import type { Job, Jobs } from "./jobs";

/** What the worker function receives: the tick tells it from a scheduled event by `job`. */
export interface JobEvent {
  job: Job;
}

export const isJobEvent = (event: unknown): event is JobEvent =>
  typeof event === "object" && event !== null && typeof (event as { job?: { kind?: unknown } }).job?.kind === "string";

export class LambdaJobs implements Jobs {
  private client?: Promise<{
    client: LambdaClient;
    InvokeCommand: typeof import("@aws-sdk/client-lambda").InvokeCommand;
  }>;

  constructor(private readonly settings: { functionName: string; region: string; endpoint?: string }) {}

  /** The Lambda client is loaded on first use: most requests enqueue nothing, so it stays out of the cold start. */
  private lambda() {
    this.client ??= import("@aws-sdk/client-lambda").then(({ LambdaClient, InvokeCommand }) => ({
      InvokeCommand,
      client: new LambdaClient({
        region: this.settings.region,
        maxAttempts: 2,
        ...(this.settings.endpoint
          ? { endpoint: this.settings.endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } }
          : {}),
      }),
    }));
    return this.client;
  }

  async enqueue(job: Job): Promise<void> {
    const { client, InvokeCommand } = await this.lambda();
    const event: JobEvent = { job };
    const out = await client.send(
      new InvokeCommand({
        FunctionName: this.settings.functionName,
        InvocationType: "Event",
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
    if (out.StatusCode !== 202) throw new Error(`Invoke of ${this.settings.functionName} answered ${out.StatusCode}`);
  }
}

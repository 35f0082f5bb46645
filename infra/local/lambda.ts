// The Lambda Invoke API for the local stack: LambdaJobs invoke the worker here as they do on AWS; `Event` invokes wait in a queue that a pool of local workers drains.
import { createServer, type Server } from "node:http";
import { track } from "../../shared/jobs";
import { crossSiteRefusal } from "./same-origin";

export type LocalFunction = (event: unknown) => Promise<unknown>;

const invokePath = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

export interface LocalLambdaOptions {
  /** Asynchronous invocations worked at once, as a function's concurrency on AWS (default: unbounded). */
  concurrency?: number;
  /** Times a failed asynchronous invocation is tried again, as Lambda does (2 there). */
  retries?: number;
  /** Wait before each retry (Lambda waits about a minute, then two). */
  retryDelayMs?: number;
}

/**
 * Lambda's asynchronous invocation queue, locally: invocations wait in order and `concurrency` local
 * workers take them; one that throws is tried again up to `retries` times, then dropped with an error
 * (Lambda's dead-letter queue). `settled` (shared/jobs) waits for all of it.
 */
class AsyncQueue {
  private readonly waiting: { run: () => Promise<void>; attempt: number; done: () => void }[] = [];
  private busy = 0;

  constructor(private readonly options: Required<LocalLambdaOptions>) {}

  push(name: string, fn: LocalFunction, event: unknown): void {
    track(
      new Promise<void>((done) => {
        this.waiting.push({ run: () => fn(event).then(() => undefined), attempt: 0, done });
        this.pump(name);
      }),
    );
  }

  private pump(name: string): void {
    while (this.busy < this.options.concurrency && this.waiting.length) {
      const item = this.waiting.shift()!;
      this.busy++;
      item
        .run()
        .then(item.done, (error: unknown) => {
          if (item.attempt < this.options.retries) {
            item.attempt++;
            setTimeout(() => {
              this.waiting.push(item);
              this.pump(name);
            }, this.options.retryDelayMs);
          } else {
            console.error(`local function ${name} failed after ${item.attempt + 1} attempts`, error);
            item.done();
          }
        })
        .finally(() => {
          this.busy--;
          this.pump(name);
        });
    }
  }
}

/**
 * Serves `POST /2015-03-31/functions/{name}/invocations`: `Event` invocations answer 202 at once and run
 * the function afterwards from the queue (as Lambda's asynchronous invoke does), `RequestResponse` answers its result.
 * Requests from a web page are refused (403, `crossSiteRefusal`); `listen` binds it to 127.0.0.1 only.
 */
export function createLambdaServer(functions: Record<string, LocalFunction>, options: LocalLambdaOptions = {}): Server {
  const queue = new AsyncQueue({ concurrency: Infinity, retries: 2, retryDelayMs: 200, ...options });
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const name = invokePath.exec(req.url?.split("?")[0] ?? "")?.[1];
      const fn = name ? functions[decodeURIComponent(name)] : undefined;
      const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(body === undefined ? "" : JSON.stringify(body));
      };
      const refusal = crossSiteRefusal(req);
      if (refusal)
        return answer(
          403,
          { Type: "User", message: `The local Invoke API answers only this machine's tools: ${refusal}` },
          { "x-amzn-errortype": "AccessDeniedException" },
        );
      if (req.method !== "POST" || !fn)
        return answer(
          404,
          { Type: "User", message: `Function not found: ${name ?? req.url}` },
          { "x-amzn-errortype": "ResourceNotFoundException" },
        );
      let event: unknown;
      try {
        event = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
      } catch {
        return answer(
          400,
          { Type: "User", message: "Could not parse request body into json" },
          { "x-amzn-errortype": "InvalidRequestContentException" },
        );
      }
      if (req.headers["x-amz-invocation-type"] === "Event") {
        answer(202, undefined);
        queue.push(name!, fn, event);
        return;
      }
      fn(event).then(
        (result) => answer(200, result ?? null),
        (error: unknown) =>
          answer(
            200,
            { errorType: (error as Error).name, errorMessage: (error as Error).message },
            { "x-amz-function-error": "Unhandled" },
          ),
      );
    });
  });
}

// The Lambda Invoke API for the local stack: the sync function's LambdaJobs invoke the worker here as they do on AWS.
import { createServer, type Server } from "node:http";
import { track } from "../../shared/jobs";
import { crossSiteRefusal } from "./same-origin";

export type LocalFunction = (event: unknown) => Promise<unknown>;

const invokePath = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/**
 * Serves `POST /2015-03-31/functions/{name}/invocations`: `Event` invocations answer 202 at once and run
 * the function afterwards (as Lambda's asynchronous invoke does), `RequestResponse` answers its result.
 * Requests from a web page are refused (403, `crossSiteRefusal`); `listen` binds it to 127.0.0.1 only.
 */
export function createLambdaServer(functions: Record<string, LocalFunction>): Server {
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
      if (refusal) return answer(403, { Type: "User", message: `The local Invoke API answers only this machine's tools: ${refusal}` }, { "x-amzn-errortype": "AccessDeniedException" });
      if (req.method !== "POST" || !fn) return answer(404, { Type: "User", message: `Function not found: ${name ?? req.url}` }, { "x-amzn-errortype": "ResourceNotFoundException" });
      let event: unknown;
      try {
        event = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
      } catch {
        return answer(400, { Type: "User", message: "Could not parse request body into json" }, { "x-amzn-errortype": "InvalidRequestContentException" });
      }
      if (req.headers["x-amz-invocation-type"] === "Event") {
        answer(202, undefined);
        track(fn(event).then(() => undefined).catch((error: unknown) => console.error(`local function ${name} failed`, error)));
        return;
      }
      fn(event).then(
        (result) => answer(200, result ?? null),
        (error: unknown) => answer(200, { errorType: (error as Error).name, errorMessage: (error as Error).message }, { "x-amz-function-error": "Unhandled" }),
      );
    });
  });
}

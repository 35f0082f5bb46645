// What operators read: one JSON log line per request with request id and user id (never the token), and EMF metrics per operation and per tick.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApi } from "../support/api";

let api: TestApi;
let lines: string[] = [];
const write = process.stdout.write.bind(process.stdout);

beforeAll(async () => {
  // This file wants the logs and metrics that the rest of the suite silences; set before the modules load.
  process.env.POWERTOOLS_LOG_LEVEL = "INFO";
  process.env.POWERTOOLS_METRICS_DISABLED = "false";
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(...String(chunk).split("\n").filter(Boolean));
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  const { startApi } = await import("../support/api");
  api = await startApi();
});
afterAll(async () => {
  process.stdout.write = write;
  await api.close();
});

const json = () =>
  lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, any>];
    } catch {
      return [];
    }
  });

describe("logs and metrics", () => {
  it("logs each request once as JSON with its request id and user id, and never the token", async () => {
    const { uniqueUser } = await import("../support/api");
    lines = [];
    const alice = await api.as(uniqueUser("alice"));
    const created = await alice.post("/organizations", { name: "Observed" });
    const requestId = created.headers.get("x-request-id");
    const entry = json().find((l) => l.message === "request" && l.requestId === requestId);
    expect(entry).toMatchObject({
      level: "INFO",
      service: "twin-access",
      route: "POST /organizations",
      status: 201,
      userId: alice.userId,
    });
    expect(lines.join("\n")).not.toContain(alice.token);
    expect(lines.join("\n")).not.toContain(alice.token.split(".")[2]);
  });

  it("emits a metric per operation, with refusals counted apart", async () => {
    const { uniqueUser } = await import("../support/api");
    lines = [];
    const bob = await api.as(uniqueUser("bob"));
    await bob.get("/organizations/org_missing");
    const emf = json().filter((l) => l._aws?.CloudWatchMetrics);
    const point = emf.find((l) => l.operation === "getOrganization");
    expect(point).toMatchObject({ Requests: 1, Refusals: 1 });
    expect(point!._aws.CloudWatchMetrics[0].Namespace).toBe("TwinAccess");
    expect(point!._aws.CloudWatchMetrics[0].Dimensions[0]).toContain("operation");
  });

  it("emits the tick's work as metrics", async () => {
    lines = [];
    await api.request("POST", "/_local/tick");
    const point = json().find((l) => l.operation === "tick");
    expect(point).toHaveProperty("TickDuration");
    expect(point).toHaveProperty("scheduledRunsDispatched", 0);
    expect(point).toHaveProperty("notificationsDelivered");
  });
});

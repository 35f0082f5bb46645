// DynamoDB throttling, injected at the SDK client because DynamoDB Local never throttles: retried when brief, a 503 with Retry-After when not, and never half a change.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { makeApp } from "../../shared/app";
import { idFor } from "../../shared/ids";
import { startApi, uniqueUser, type TestApi } from "../support/api";

/** A client whose next `failures` requests (or every request) are refused as DynamoDB refuses over capacity. */
function throttlingClient(failures: number | "always") {
  let left = failures;
  const client = new DynamoDBClient({
    region: "local",
    endpoint: inject("dynamodbEndpoint"),
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      if (left === "always" || left-- > 0) {
        throw Object.assign(new Error("The level of configured provisioned throughput for the table was exceeded"), {
          name: "ProvisionedThroughputExceededException",
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
        });
      }
      return next(args);
    },
    // Inside the SDK's retry loop, where a real throttling answer would arrive.
    { step: "deserialize", name: "injectThrottling" },
  );
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

let healthy: TestApi;
beforeAll(async () => {
  healthy = await startApi();
});
afterAll(() => healthy.close());

describe("DynamoDB throttling (injected: DynamoDB Local cannot throttle)", () => {
  it("is retried by the SDK when brief, and the change is stored", async () => {
    const api = await startApi({ app: makeApp({ ddb: throttlingClient(2) }) });
    try {
      const alice = await api.as(uniqueUser("alice"));
      const created = await alice.post("/organizations", { name: "Brief storm" });
      expect(created.status).toBe(201);
      const reader = await healthy.as(alice.userId);
      expect((await reader.get(`/organizations/${created.body.id}`)).status).toBe(200);
    } finally {
      await api.close();
    }
  });

  it("answers 503 with Retry-After when it persists, and stores nothing", async () => {
    const api = await startApi({ app: makeApp({ ddb: throttlingClient("always") }) });
    try {
      const alice = await api.as(uniqueUser("alice"));
      const refused = await alice.post("/organizations", { name: "Storm" }, { "idempotency-key": "storm-1" });
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("1");
      expect(refused.body.error.code).toBe("ServiceUnavailable");

      const reader = await healthy.as(alice.userId);
      const id = idFor("org", "storm-1", alice.userId, "organization");
      expect((await reader.get(`/organizations/${id}`)).status).toBe(404);
      // The client's retry, once the storm is over, creates it exactly once.
      const retried = await reader.post("/organizations", { name: "Storm" }, { "idempotency-key": "storm-1" });
      expect(retried.status).toBe(201);
      expect(retried.body.id).toBe(id);
    } finally {
      await api.close();
    }
  });
});

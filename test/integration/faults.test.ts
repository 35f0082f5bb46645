// DynamoDB over capacity, injected at the SDK client because DynamoDB Local never throttles: retried when brief, a 503 with Retry-After when not (in a transaction or not, unprocessed batches included), and never half a change.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { makeApp } from "../../shared/app";
import { AppError } from "../../shared/errors";
import { idFor } from "../../shared/ids";
import { BATCH_ROUNDS } from "../../shared/store/capacity";
import { deleteAll } from "../../shared/store/partition";
import { startApi, uniqueUser, type TestApi } from "../support/api";
import { orgWith } from "../support/orgs";

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

/** What an injected fault does to one request: throw this error, answer this output instead of DynamoDB's, or pass. */
type Fault = (command: string, input: Record<string, any>) => Error | Record<string, unknown> | undefined;

/** A client that sends every request to DynamoDB Local unless `fault` (which a test may change at any time) says otherwise. */
function faultyClient() {
  const state: { fault?: Fault; sent: string[] } = { sent: [] };
  const client = new DynamoDBClient({
    region: "local",
    endpoint: inject("dynamodbEndpoint"),
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? "";
      state.sent.push(command);
      // A copy, as DynamoDB's answer would be: the SDK goes on using the input it sent.
      const outcome = state.fault?.(command, structuredClone(args.input) as Record<string, any>);
      if (outcome instanceof Error) throw outcome;
      // An answer in DynamoDB's wire format, which the SDK parses and the document client unmarshalls as a real one.
      if (outcome) {
        const body = new TextEncoder().encode(JSON.stringify(outcome));
        const headers = { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "injected" };
        return { response: { statusCode: 200, reason: "OK", headers, body } } as never;
      }
      return next(args);
    },
    // Inside the SDK's retries and its deserializer, where DynamoDB's answer arrives.
    { step: "deserialize", name: "injectFault" },
  );
  return { ddb: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }), state };
}

/** DynamoDB's refusal of a whole transaction, with one reason per action (as it answers them, `Code` only). */
const cancelled = (...codes: string[]) =>
  Object.assign(
    new Error(`Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(", ")}]`),
    {
      name: "TransactionCanceledException",
      $fault: "client",
      $metadata: { httpStatusCode: 400 },
      CancellationReasons: codes.map((Code) => ({ Code })),
    },
  );

describe("DynamoDB over capacity, inside a transaction or not (injected fault: DynamoDB Local never throttles)", () => {
  let api: TestApi;
  let faulty: ReturnType<typeof faultyClient>;
  beforeAll(async () => {
    faulty = faultyClient();
    api = await startApi({ app: makeApp({ ddb: faulty.ddb }) });
  });
  afterAll(() => api.close());

  it("answers 503 with Retry-After, not a 409 conflict, when a transaction is cancelled for throttling (injected fault)", async () => {
    const org = await orgWith(api);
    faulty.state.fault = (command) =>
      command === "TransactWriteItemsCommand" ? cancelled("None", "ThrottlingError") : undefined;
    try {
      const invited = await org.admin.post(`/organizations/${org.orgId}/members`, {
        email: `${uniqueUser("guest")}@example.com`,
      });
      expect(invited.status).toBe(503);
      expect(invited.headers.get("retry-after")).toBe("1");
      expect(invited.body.error.code).toBe("ServiceUnavailable");
    } finally {
      faulty.state.fault = undefined;
    }
    expect((await org.admin.get(`/organizations/${org.orgId}/members`)).body.items).toHaveLength(1);
  });

  it("answers 503, not a 500, when a transaction is cancelled for provisioned throughput (injected fault)", async () => {
    const alice = await api.as(uniqueUser("alice"));
    faulty.state.fault = (command) =>
      command === "TransactWriteItemsCommand" ? cancelled("ProvisionedThroughputExceeded", "None") : undefined;
    try {
      const created = await alice.post("/organizations", { name: "Busy" }, { "idempotency-key": "busy-1" });
      expect(created.status).toBe(503);
      expect(created.headers.get("retry-after")).toBe("1");
    } finally {
      faulty.state.fault = undefined;
    }
    const id = idFor("org", "busy-1", alice.userId, "organization");
    expect((await alice.get(`/organizations/${id}`)).status).toBe(404);
  });

  it.each(["ThrottlingException", "RequestLimitExceeded"])(
    "answers 503 with Retry-After to %s on a read (injected fault)",
    async (name) => {
      const org = await orgWith(api);
      faulty.state.fault = () =>
        Object.assign(new Error(name), { name, $fault: "client", $metadata: { httpStatusCode: 400 } });
      try {
        const read = await org.admin.get(`/organizations/${org.orgId}`);
        expect(read.status).toBe(503);
        expect(read.headers.get("retry-after")).toBe("1");
      } finally {
        faulty.state.fault = undefined;
      }
    },
  );

  it("gives up on keys DynamoDB keeps leaving unprocessed after a bounded number of rounds: 503 (injected fault)", async () => {
    const org = await orgWith(api);
    // Over capacity, BatchGetItem answers 200 and hands every key back as unprocessed.
    faulty.state.fault = (command, input) =>
      command === "BatchGetItemCommand" ? { Responses: {}, UnprocessedKeys: input.RequestItems } : undefined;
    faulty.state.sent.length = 0;
    const started = Date.now();
    try {
      const read = await org.admin.get(`/organizations/${org.orgId}`);
      expect(read.status).toBe(503);
      expect(read.headers.get("retry-after")).toBe("1");
    } finally {
      faulty.state.fault = undefined;
    }
    expect(faulty.state.sent.filter((c) => c === "BatchGetItemCommand")).toHaveLength(BATCH_ROUNDS);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await org.admin.get(`/organizations/${org.orgId}`)).status).toBe(200);
  });

  it("reads every key when DynamoDB leaves some unprocessed once (injected fault)", async () => {
    const org = await orgWith(api);
    let first = true;
    faulty.state.fault = (command, input) => {
      if (command !== "BatchGetItemCommand" || !first) return undefined;
      first = false;
      return { Responses: {}, UnprocessedKeys: input.RequestItems };
    };
    try {
      const read = await org.admin.get(`/organizations/${org.orgId}`);
      expect(read.status).toBe(200);
      expect(read.body.id).toBe(org.orgId);
    } finally {
      faulty.state.fault = undefined;
    }
  });

  it("gives up on items DynamoDB keeps leaving unprocessed in a batch delete after a bounded number of rounds (injected fault)", async () => {
    const table = { ddb: faulty.ddb, tableName: process.env.TABLE_NAME! };
    const items = [{ pk: `FAULT#${uniqueUser("p")}`, sk: "A" }];
    faulty.state.fault = (command, input) =>
      command === "BatchWriteItemCommand" ? { UnprocessedItems: input.RequestItems } : undefined;
    faulty.state.sent.length = 0;
    try {
      const refused = await deleteAll(table, items).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(AppError);
      expect((refused as AppError).status).toBe(503);
    } finally {
      faulty.state.fault = undefined;
    }
    expect(faulty.state.sent.filter((c) => c === "BatchWriteItemCommand")).toHaveLength(BATCH_ROUNDS);
  });
});

// Organisations through the real handlers and DynamoDB Local: create, read, and the edges of the HTTP contract.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApi, uniqueUser, type TestApi } from "../support/api";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

describe("organisations", () => {
  it("creates an organisation whose creator is its Administrator and a Subscription Manager", async () => {
    const alice = await api.as(uniqueUser("alice"));
    const created = await alice.post("/organizations", { name: "Acme" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "Acme",
      administratorId: alice.userId,
      yourRole: "SubscriptionManager",
    });
    expect(created.body.id).toMatch(/^org_/);

    const read = await alice.get(`/organizations/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
  });

  it("answers 404, not 403, to someone outside the organisation", async () => {
    const alice = await api.as(uniqueUser("alice"));
    const mallory = await api.as(uniqueUser("mallory"));
    const { body: org } = await alice.post("/organizations", { name: "Private" });
    const read = await mallory.get(`/organizations/${org.id}`);
    expect(read.status).toBe(404);
    expect(read.body.error.code).toBe("NotFound");
    expect((await mallory.get("/organizations/org_doesnotexist")).status).toBe(404);
  });

  it("answers the first organisation again when a create is retried with the same Idempotency-Key", async () => {
    const alice = await api.as(uniqueUser("alice"));
    const first = await alice.post("/organizations", { name: "Once" }, { "idempotency-key": "k-1" });
    const retry = await alice.post("/organizations", { name: "Once" }, { "idempotency-key": "k-1" });
    const other = await alice.post("/organizations", { name: "Once" }, { "idempotency-key": "k-2" });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
    expect(other.body.id).not.toBe(first.body.id);
  });

  it("does not let another user's Idempotency-Key reach someone else's organisation", async () => {
    const alice = await api.as(uniqueUser("alice"));
    const bob = await api.as(uniqueUser("bob"));
    const a = await alice.post("/organizations", { name: "A" }, { "idempotency-key": "same" });
    const b = await bob.post("/organizations", { name: "B" }, { "idempotency-key": "same" });
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
    expect(b.body.administratorId).toBe(bob.userId);
  });
});

describe("the HTTP contract", () => {
  it("answers 401 in the error shape without a token, with a bad token, and with an expired one", async () => {
    const none = await api.request("POST", "/organizations", {
      body: '{"name":"x"}',
      headers: { "content-type": "application/json" },
    });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe("Unauthorized");

    const garbage = await api.request("GET", "/organizations/org_x", {
      headers: { authorization: "Bearer not.a.jwt" },
    });
    expect(garbage.status).toBe(401);

    const expired = await api.issuer.mint(
      { sub: "old" },
      { issuedAt: Math.floor(Date.now() / 1000) - 7200, expiresInSeconds: 60 },
    );
    const late = await api.request("GET", "/organizations/org_x", { headers: { authorization: `Bearer ${expired}` } });
    expect(late.status).toBe(401);
  });

  it("answers 400 naming the field when the body is invalid", async () => {
    const alice = await api.as(uniqueUser("alice"));
    const empty = await alice.post("/organizations", { name: "" });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe("InvalidInput");
    expect(empty.body.error.message).toContain("body.name");
    expect(empty.body.error.details.fields[0].field).toBe("body.name");

    const extra = await alice.post("/organizations", { name: "ok", admin: true });
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toContain("admin");

    const wrongType = await alice.post("/organizations", { name: 42 });
    expect(wrongType.status).toBe(400);
  });

  it("answers 400 to malformed JSON and a missing body, 415 to another media type, 413 to a huge body", async () => {
    const alice = await api.as(uniqueUser("alice"));
    const auth = { authorization: `Bearer ${alice.token}` };
    const malformed = await api.request("POST", "/organizations", {
      body: '{"name":',
      headers: { ...auth, "content-type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details.fields[0].field).toBe("body");

    const missing = await api.request("POST", "/organizations", { headers: auth });
    expect(missing.status).toBe(400);

    const xml = await api.request("POST", "/organizations", {
      body: "<name/>",
      headers: { ...auth, "content-type": "application/xml" },
    });
    expect(xml.status).toBe(415);

    const huge = await api.request("POST", "/organizations", {
      body: JSON.stringify({ name: "x".repeat(100_000) }),
      headers: { ...auth, "content-type": "application/json" },
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe("BodyTooLarge");
  });

  it("answers 400 to a path id that is not an id", async () => {
    const alice = await api.as(uniqueUser("alice"));
    const bad = await alice.get(`/organizations/${encodeURIComponent("a b;drop")}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields[0].field).toBe("path.orgId");
  });

  it("gives every answer a request id and security headers, and never a stack trace", async () => {
    const alice = await api.as(uniqueUser("alice"));
    const answer = await alice.post("/organizations", { name: 1 });
    expect(answer.headers.get("x-request-id")).toMatch(/[0-9a-f-]{36}/);
    expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
    expect(JSON.stringify(answer.body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it("sends no header without a value, and frames every answer with Content-Length as API Gateway does", async () => {
    const alice = await api.as(uniqueUser("alice"));
    const created = await alice.post("/organizations", { name: "Framed" });
    const answers = [created, await alice.post("/organizations", { name: 1 }), await api.request("GET", "/health")];
    answers.push(await alice.get("/no/such/route"));
    for (const answer of answers) {
      for (const [name, value] of answer.headers) expect(value.trim(), `header ${name}`).not.toBe("");
      expect(answer.headers.get("transfer-encoding")).toBeNull();
      expect(Number(answer.headers.get("content-length"))).toBe(Buffer.byteLength(JSON.stringify(answer.body)));
    }
    const bob = uniqueUser("bob");
    const orgId = created.body.id;
    await alice.post(`/organizations/${orgId}/members`, {
      userId: bob,
      email: `${bob}@example.com`,
      role: "Developer",
    });
    const removed = await alice.delete(`/organizations/${orgId}/members/${bob}`);
    expect(removed.status).toBe(204);
    expect(removed.headers.get("content-length")).toBeNull();
  });

  it("answers /health without a token", async () => {
    const health = await api.request("GET", "/health");
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: "ok" });
  });
});

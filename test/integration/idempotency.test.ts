// Idempotency-Key on every route that declares it (shared/http/idempotency.ts): a retry answers the first answer again,
// the same key with another request is a 422, and the same key sent concurrently creates one thing, against DynamoDB Local.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routeList } from "../../shared/http/routes";
import { startApi, uniqueUser, type Reply, type TestApi } from "../support/api";
import { orgWith } from "../support/orgs";
import { teamWith } from "../support/sync";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

const key = (name: string) => ({ "idempotency-key": `${name}-${Math.random().toString(36).slice(2)}` });
const files = [{ id: "a.dgn", name: "a.dgn", version: "1" }];

/** Every answer the same status and body. */
function allTheSame(replies: Reply[]) {
  for (const reply of replies) {
    expect(reply.status).toBe(replies[0]!.status);
    expect(reply.body).toEqual(replies[0]!.body);
  }
}

describe("a retried run start (POST /connections/{id}/runs with an Idempotency-Key)", () => {
  async function connection() {
    const team = await teamWith(api, { writer: "Write" });
    const writer = team.members.writer!;
    const created = await writer.post(`/imodels/${team.imodelId}/connections`, { name: "Sync", files });
    expect(created.status).toBe(201);
    return { writer, connectionId: created.body.id as string, team };
  }

  it("answers its run again, not 409, and starts no second one", async () => {
    const { writer, connectionId } = await connection();
    const headers = key("run");
    const first = await writer.post(`/connections/${connectionId}/runs`, undefined, headers);
    expect(first.status).toBe(201);
    expect(first.body.state).toBe("queued");
    const retry = await writer.post(`/connections/${connectionId}/runs`, undefined, headers);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    // Without the key the same request is a new one, refused while the run is active or started after it.
    const runs = await writer.get(`/connections/${connectionId}/runs`);
    expect(runs.body.items.map((r: { id: string }) => r.id)).toEqual([first.body.id]);
  });

  it("answers 422 IdempotencyKeyReused for the same key on another connection", async () => {
    const { writer, connectionId, team } = await connection();
    const other = await writer.post(`/imodels/${team.imodelId}/connections`, { name: "Other", files });
    const headers = key("run");
    expect((await writer.post(`/connections/${connectionId}/runs`, undefined, headers)).status).toBe(201);
    const reused = await writer.post(`/connections/${other.body.id}/runs`, undefined, headers);
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe("IdempotencyKeyReused");
    expect((await writer.get(`/connections/${other.body.id}/runs`)).body.items).toEqual([]);
  });

  it("queues one run when the same key is sent 8 times at once, and answers each the same", async () => {
    const { writer, connectionId } = await connection();
    const headers = key("race");
    const replies = await Promise.all(
      Array.from({ length: 8 }, () => writer.post(`/connections/${connectionId}/runs`, undefined, headers)),
    );
    expect(replies[0]!.status).toBe(201);
    allTheSame(replies);
    const runs = await writer.get(`/connections/${connectionId}/runs`);
    expect(runs.body.items).toHaveLength(1);
  });

  it("belongs to its caller: another user's same key is another request", async () => {
    const team = await teamWith(api, { writer: "Write", other: "Write" });
    const a = await team.members.writer!.post(`/imodels/${team.imodelId}/connections`, { name: "A", files });
    const b = await team.members.other!.post(`/imodels/${team.imodelId}/connections`, { name: "B", files });
    const headers = key("mine");
    const mine = await team.members.writer!.post(`/connections/${a.body.id}/runs`, undefined, headers);
    const theirs = await team.members.other!.post(`/connections/${b.body.id}/runs`, undefined, headers);
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.body.id).not.toBe(mine.body.id);
  });
});

describe("a retried member add (organisation, team, Test iTwin, application owner)", () => {
  it("answers the organisation member added first, and 422 for the same key with another body", async () => {
    const { orgId, admin } = await orgWith(api);
    const user = uniqueUser("new");
    const body = { userId: user, email: `${user}@example.com`, role: "Developer" };
    const headers = key("member");
    const first = await admin.post(`/organizations/${orgId}/members`, body, headers);
    expect(first.status).toBe(201);
    const retry = await admin.post(`/organizations/${orgId}/members`, body, headers);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    // Without the key the member exists: the rule's 409.
    expect((await admin.post(`/organizations/${orgId}/members`, body)).body.error.code).toBe("MemberExists");
    const other = await admin.post(`/organizations/${orgId}/members`, { ...body, role: "ApplicationManager" }, headers);
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("IdempotencyKeyReused");
  });

  it("adds one member when the same key is sent 6 times at once, and answers each the same", async () => {
    const { orgId, admin } = await orgWith(api);
    const user = uniqueUser("racer");
    const headers = key("member-race");
    const body = { userId: user, email: `${user}@example.com`, role: null };
    const replies = await Promise.all(
      Array.from({ length: 6 }, () => admin.post(`/organizations/${orgId}/members`, body, headers)),
    );
    expect(replies[0]!.status).toBe(201);
    allTheSame(replies);
    const members = await admin.get(`/organizations/${orgId}/members`);
    expect(members.body.items.filter((m: { userId: string }) => m.userId === user)).toHaveLength(1);
  });

  it("answers an invitation again", async () => {
    const { orgId, admin } = await orgWith(api);
    const headers = key("invite");
    const body = { email: `${uniqueUser("invitee")}@example.com`, role: "ApplicationManager" };
    const first = await admin.post(`/organizations/${orgId}/members`, body, headers);
    expect(first.status).toBe(201);
    const retry = await admin.post(`/organizations/${orgId}/members`, body, headers);
    expect([retry.status, retry.body]).toEqual([201, first.body]);
    expect((await admin.post(`/organizations/${orgId}/members`, body)).body.error.code).toBe("InvitationExists");
  });

  it("answers the team member, Test iTwin participant and application owner added first", async () => {
    const team = await teamWith(api, {});
    const { orgId, admin } = team;
    const joiner = await api.as(uniqueUser("joiner"));
    const member = { userId: joiner.userId, email: `${joiner.userId}@example.com`, role: "Developer" };
    expect((await admin.post(`/organizations/${orgId}/members`, member)).status).toBe(201);

    const teamKey = key("team");
    const teamBody = { userId: joiner.userId, roles: ["Read"] };
    const added = await admin.post(`/itwins/${team.itwinId}/members`, teamBody, teamKey);
    expect(added.status).toBe(201);
    const again = await admin.post(`/itwins/${team.itwinId}/members`, teamBody, teamKey);
    expect([again.status, again.body]).toEqual([201, added.body]);
    const changed = await admin.post(`/itwins/${team.itwinId}/members`, { ...teamBody, roles: ["Write"] }, teamKey);
    expect(changed.status).toBe(422);

    const test = await admin.post(`/organizations/${orgId}/test-itwins`, { name: "Sandbox" });
    expect(test.status).toBe(201);
    const participantKey = key("participant");
    const joined = await admin.post(
      `/test-itwins/${test.body.id}/participants`,
      { userId: joiner.userId },
      participantKey,
    );
    expect(joined.status).toBe(201);
    const rejoined = await admin.post(
      `/test-itwins/${test.body.id}/participants`,
      { userId: joiner.userId },
      participantKey,
    );
    expect([rejoined.status, rejoined.body]).toEqual([201, joined.body]);

    const app = await admin.post(`/organizations/${orgId}/applications`, { name: "Viewer app" });
    expect(app.status).toBe(201);
    const ownerKey = key("owner");
    const owned = await admin.post(`/applications/${app.body.id}/owners`, { userId: joiner.userId }, ownerKey);
    expect(owned.status).toBe(201);
    const reowned = await admin.post(`/applications/${app.body.id}/owners`, { userId: joiner.userId }, ownerKey);
    expect([reowned.status, reowned.body]).toEqual([201, owned.body]);
  });
});

describe("routes whose ids derive from the key keep working, with the same receipt", () => {
  it("answers 422 for an organisation created again with the same key and another name", async () => {
    const alice = await api.as(uniqueUser("alice"));
    const headers = key("org");
    const first = await alice.post("/organizations", { name: "Once" }, headers);
    const retry = await alice.post("/organizations", { name: "Once" }, headers);
    expect([retry.status, retry.body]).toEqual([201, first.body]);
    const other = await alice.post("/organizations", { name: "Twice" }, headers);
    expect([other.status, other.body.error.code]).toEqual([422, "IdempotencyKeyReused"]);
  });

  it("refuses a key that is not 1-128 printable characters (400 naming the header)", async () => {
    const alice = await api.as(uniqueUser("alice"));
    const reply = await alice.post("/organizations", { name: "Long" }, { "idempotency-key": "x".repeat(129) });
    expect(reply.status).toBe(400);
    expect(reply.body.error.details.fields[0].field).toBe("header.Idempotency-Key");
  });
});

describe("the contract", () => {
  it("documents the header exactly on the routes that declare it, with 422", async () => {
    const doc = (await api.request("GET", "/openapi.json")).body;
    for (const route of routeList) {
      const op = doc.paths[route.path][route.method.toLowerCase()];
      const header = (op.parameters ?? []).some(
        (p: { in: string; name: string }) => p.in === "header" && p.name === "Idempotency-Key",
      );
      expect({ route: route.id, header, has422: "422" in op.responses }).toEqual({
        route: route.id,
        header: route.idempotent === true,
        has422: route.idempotent === true,
      });
    }
  });
});

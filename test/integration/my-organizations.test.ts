// GET /organizations through HTTP: the caller's organisations, each with the role their token is judged with, page by page.
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { advanceClock } from "../../shared/clock";
import { makeDocumentClient } from "../../shared/store/client";
import { keys } from "../../shared/store/keys";
import { startApi, uniqueUser, type Client, type TestApi } from "../support/api";
import { orgWith } from "../support/orgs";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

type Listed = { id: string; name: string; administratorId: string; createdAt: string; yourRole: string | null };

async function organizationsOf(client: Client, limit = 2): Promise<Listed[]> {
  const all: Listed[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.get(`/organizations?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    all.push(...page.body.items);
    cursor = page.body.next;
  } while (cursor);
  return all;
}

describe("your organisations", () => {
  it("lists every organisation you belong to, page by page, with your role in each, and nothing of others", async () => {
    const me = await api.as(uniqueUser("me"));
    const own = (await me.post("/organizations", { name: "Mine" })).body;
    const joined: Record<string, string | null> = { [own.id]: "SubscriptionManager" };
    for (const role of ["Developer", "ApplicationManager", null, "SubscriptionManager"] as const) {
      const { orgId, admin } = await orgWith(api);
      expect(
        (await admin.post(`/organizations/${orgId}/members`, { userId: me.userId, email: "me@example.com", role }))
          .status,
      ).toBe(201);
      joined[orgId] = role;
    }
    await orgWith(api, { someoneElse: "Developer" });

    const listed = await organizationsOf(me);
    expect(Object.fromEntries(listed.map((o) => [o.id, o.yourRole]))).toEqual(joined);
    expect(listed.find((o) => o.id === own.id)).toEqual(own);
    // Each entry is what GET /organizations/{orgId} answers, for the organisations you may read.
    for (const entry of listed.filter((o) => o.yourRole))
      expect((await me.get(`/organizations/${entry.id}`)).body).toEqual(entry);

    const stranger = await api.as(uniqueUser("stranger"));
    expect((await stranger.get("/organizations")).body).toEqual({ items: [] });
  });

  it("shows a promotion from your next sign-in and a demotion at once, as GET /organizations/{orgId} does", async () => {
    const { orgId, admin, members } = await orgWith(api, { dev: "Developer" });
    const before = members.dev!;
    advanceClock(2000);
    expect(
      (await admin.patch(`/organizations/${orgId}/members/${before.userId}`, { role: "SubscriptionManager" })).status,
    ).toBe(200);
    const roleIn = async (client: Client) => (await organizationsOf(client)).find((o) => o.id === orgId)?.yourRole;
    expect(await roleIn(before)).toBe("Developer");
    const after = await api.as(before.userId);
    expect(await roleIn(after)).toBe("SubscriptionManager");
    expect((await after.get(`/organizations/${orgId}`)).body.yourRole).toBe("SubscriptionManager");

    expect(
      (await admin.patch(`/organizations/${orgId}/members/${before.userId}`, { role: "ApplicationManager" })).status,
    ).toBe(200);
    expect(await roleIn(after)).toBe("ApplicationManager");
  });

  it("adds an organisation when you take its invitation, and drops it when you are removed", async () => {
    const { orgId, admin } = await orgWith(api);
    const me = await api.as(uniqueUser("invited"));
    expect(
      (await admin.post(`/organizations/${orgId}/members`, { email: `${me.userId}@example.com`, role: "Developer" }))
        .status,
    ).toBe(201);
    expect((await organizationsOf(me)).map((o) => o.id)).toEqual([]);
    expect((await me.get(`/organizations/${orgId}`)).status).toBe(200);
    expect((await organizationsOf(me)).map((o) => [o.id, o.yourRole])).toEqual([[orgId, "Developer"]]);
    expect((await admin.delete(`/organizations/${orgId}/members/${me.userId}`)).status).toBe(204);
    expect(await organizationsOf(me)).toEqual([]);
  });

  it("refuses a cursor of another list, or of another user's list", async () => {
    const me = await api.as(uniqueUser("me"));
    for (let i = 0; i < 2; i++) await me.post("/organizations", { name: `Org ${i}` });
    const { orgId, admin } = await orgWith(api, { a: "Developer", b: "Developer" });
    const members = await admin.get(`/organizations/${orgId}/members?limit=1`);
    const mine = await me.get("/organizations?limit=1");
    expect(mine.body.next).toBeTypeOf("string");
    for (const [client, cursor] of [
      [me, members.body.next],
      [admin, mine.body.next],
    ] as const) {
      const answer = await client.get(`/organizations?cursor=${cursor}`);
      expect(answer.status).toBe(400);
      expect(answer.body.error.details.fields[0].field).toBe("query.cursor");
    }
  });

  it("lists organisations of member items written before they carried the organisation's copy", async () => {
    const me = await api.as(uniqueUser("old-member"));
    const created = (await me.post("/organizations", { name: "From before" })).body;
    // The member item as it was written before this release: no copy of the organisation.
    const ddb = makeDocumentClient({ region: "local", endpoint: inject("dynamodbEndpoint") });
    await ddb.send(
      new UpdateCommand({
        TableName: process.env.TABLE_NAME!,
        Key: keys.member(created.id, me.userId),
        UpdateExpression: "REMOVE organization",
      }),
    );
    expect(await organizationsOf(me)).toEqual([created]);
  });
});

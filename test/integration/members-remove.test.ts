// POST /organizations/{orgId}/members:remove through HTTP: many members at once, all or nothing, with the rules of one removal, also under races.
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { MAX_MEMBERS_REMOVED_AT_ONCE } from "../../shared/domain/member-removal";
import { makeDocumentClient } from "../../shared/store/client";
import { keys } from "../../shared/store/keys";
import { startApi, uniqueUser, type Client, type TestApi } from "../support/api";
import { orgWith } from "../support/orgs";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

async function membersOf(reader: Client, orgId: string) {
  const all: { userId: string; role: string | null }[] = [];
  let cursor: string | undefined;
  do {
    const page = await reader.get(`/organizations/${orgId}/members?limit=50${cursor ? `&cursor=${cursor}` : ""}`);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    all.push(...page.body.items);
    cursor = page.body.next;
  } while (cursor);
  return all;
}

const remove = (client: Client, orgId: string, userIds: string[]) =>
  client.post(`/organizations/${orgId}/members:remove`, { userIds });

describe("removing many members at once", () => {
  it("removes every listed member in one request, with effect at once", async () => {
    const { orgId, admin, members } = await orgWith(api, {
      sm: "SubscriptionManager",
      am: "ApplicationManager",
      dev: "Developer",
      none: null,
      stays: "Developer",
    });
    const leaving = [members.sm!, members.am!, members.dev!, members.none!];
    expect(
      (
        await remove(
          admin,
          orgId,
          leaving.map((m) => m.userId),
        )
      ).status,
    ).toBe(204);
    for (const member of leaving) expect((await member.get(`/organizations/${orgId}`)).status).toBe(404);
    expect((await membersOf(admin, orgId)).map((m) => m.userId).sort()).toEqual(
      [admin.userId, members.stays!.userId].sort(),
    );
  });

  it("removes nobody when one listed member is unknown, naming them (404)", async () => {
    const { orgId, admin, members } = await orgWith(api, { a: "Developer", b: "Developer" });
    const ghost = uniqueUser("ghost");
    const answer = await remove(admin, orgId, [members.a!.userId, ghost, members.b!.userId]);
    expect(answer.status).toBe(404);
    expect(answer.body.error.message).toContain(ghost);
    expect(await membersOf(admin, orgId)).toHaveLength(3);
  });

  it("removes nobody when the caller is listed (409 SelfRemoval)", async () => {
    const { orgId, admin, members } = await orgWith(api, { sm: "SubscriptionManager", dev: "Developer" });
    const answer = await remove(members.sm!, orgId, [members.dev!.userId, members.sm!.userId]);
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe("SelfRemoval");
    expect(await membersOf(admin, orgId)).toHaveLength(3);
  });

  it("lets only a Subscription Manager remove, and a demoted one at once", async () => {
    const { orgId, admin, members } = await orgWith(api, {
      am: "ApplicationManager",
      sm: "SubscriptionManager",
      dev: "Developer",
    });
    expect((await remove(members.am!, orgId, [members.dev!.userId])).status).toBe(403);
    expect(
      (await admin.patch(`/organizations/${orgId}/members/${members.sm!.userId}`, { role: "Developer" })).status,
    ).toBe(200);
    expect((await remove(members.sm!, orgId, [members.dev!.userId])).status).toBe(403);
    expect((await remove(await api.as(uniqueUser("outsider")), orgId, [members.dev!.userId])).status).toBe(404);
    expect(await membersOf(admin, orgId)).toHaveLength(4);
  });

  it(`validates the list: 1 to ${MAX_MEMBERS_REMOVED_AT_ONCE} ids, each once`, async () => {
    const { orgId, admin, members } = await orgWith(api, { a: "Developer" });
    const tooMany = Array.from({ length: MAX_MEMBERS_REMOVED_AT_ONCE + 1 }, (_, i) => `user-${i}`);
    for (const userIds of [[], tooMany, [members.a!.userId, members.a!.userId]]) {
      const answer = await remove(admin, orgId, userIds);
      expect(answer.status, JSON.stringify(userIds)).toBe(400);
      expect(answer.body.error.details.fields[0].field).toBe("body.userIds");
    }
    expect(await membersOf(admin, orgId)).toHaveLength(2);
  });

  it(`removes ${MAX_MEMBERS_REMOVED_AT_ONCE} members at once, leaving their teams in the transaction while they fit and one by one after it`, async () => {
    const names = Object.fromEntries(
      Array.from({ length: MAX_MEMBERS_REMOVED_AT_ONCE }, (_, i) => [`m${i}`, "Developer" as const]),
    );
    const { orgId, admin, members } = await orgWith(api, names);
    const all = Object.values(members);
    // Two members manage 8 teams each (3 items a team): the first fits the transaction, the second does not.
    const itwinIds: string[] = [];
    for (let i = 0; i < 8; i++) {
      const itwin = await admin.post(`/organizations/${orgId}/itwins`, { name: `Site ${i}` });
      itwinIds.push(itwin.body.id);
      for (const member of all.slice(0, 2))
        expect(
          (await admin.post(`/itwins/${itwin.body.id}/members`, { userId: member.userId, roles: ["TeamManager"] }))
            .status,
        ).toBe(201);
    }
    expect(
      (
        await remove(
          admin,
          orgId,
          all.map((m) => m.userId),
        )
      ).status,
    ).toBe(204);
    expect((await membersOf(admin, orgId)).map((m) => m.userId)).toEqual([admin.userId]);
    for (const id of itwinIds) {
      const team = await admin.get(`/itwins/${id}/members`);
      expect(team.body.items.map((m: { userId: string }) => m.userId)).toEqual([admin.userId]);
      // The team manager counts came back with them: the Administrator is the last team manager again.
      expect((await admin.patch(`/itwins/${id}/members/${admin.userId}`, { roles: ["Delete"] })).body.error?.code).toBe(
        "LastTeamManager",
      );
    }
  }, 120_000);
});

describe("a removal of many and role changes racing", () => {
  const managerCount = async (orgId: string) => {
    const ddb = makeDocumentClient({ region: "local", endpoint: inject("dynamodbEndpoint") });
    const org = await ddb.send(
      new GetCommand({ TableName: process.env.TABLE_NAME!, Key: keys.org(orgId), ConsistentRead: true }),
    );
    return org.Item?.managerCount;
  };

  it("never leaves zero Subscription Managers, and the count the rule reads stays the truth", async () => {
    const rounds = await Promise.all(
      [0, 1].map(async () => {
        const names = Object.fromEntries(
          Array.from({ length: 16 }, (_, i) => [`sm${i}`, "SubscriptionManager" as const]),
        );
        const { orgId, admin, members } = await orgWith(api, names);
        const sms = Object.values(members);
        // The Administrator is always a manager; take them out first so the count is the only guard left.
        expect((await remove(sms[0]!, orgId, [admin.userId])).status).toBe(204);

        // A quarter of the managers remove two others at once (one about to demote themselves, one about to demote
        // someone else); the rest demote themselves, or another manager, at the same moment.
        const other = (i: number, k: number) => sms[(i + k) % sms.length]!.userId;
        const answers = await Promise.all(
          sms.map((sm, i) => {
            if (i % 4 === 0) return remove(sm, orgId, [other(i, 1), other(i, 6)]);
            const target = i % 4 === 2 ? other(i, 1) : sm.userId;
            return sm.patch(`/organizations/${orgId}/members/${target}`, { role: i % 4 === 3 ? null : "Developer" });
          }),
        );
        return { orgId, sms, answers, other };
      }),
    );

    for (const { orgId, sms, answers, other } of rounds) {
      const outcomes = answers.map((a) => `${a.status} ${a.body?.error?.code ?? ""}`.trim());
      for (const outcome of outcomes)
        expect(
          ["204", "200", "403 Forbidden", "404 NotFound", "409 LastSubscriptionManager"],
          outcomes.join(", "),
        ).toContain(outcome);
      const present = new Set<string>();
      for (const sm of sms) if ((await sm.get(`/organizations/${orgId}`)).status === 200) present.add(sm.userId);
      // All or nothing: every removal that answered 204 took both its members out.
      answers.forEach((answer, i) => {
        if (i % 4 === 0 && answer.status === 204) {
          expect(present.has(other(i, 1))).toBe(false);
          expect(present.has(other(i, 6))).toBe(false);
        }
      });
      const managers = (await membersOf(await api.as([...present][0]!), orgId)).filter(
        (m) => m.role === "SubscriptionManager",
      );
      expect(managers.length).toBeGreaterThanOrEqual(1);
      expect(await managerCount(orgId)).toBe(managers.length);

      // The count is the truth: when every manager left demotes themselves at once, exactly one is refused.
      const last = await Promise.all(
        managers.map(async (m) =>
          (await api.as(m.userId)).patch(`/organizations/${orgId}/members/${m.userId}`, { role: "Developer" }),
        ),
      );
      const refused = last.filter((a) => a.status === 409);
      expect(refused.map((a) => a.body.error.code)).toEqual(["LastSubscriptionManager"]);
      expect(last.filter((a) => a.status === 200)).toHaveLength(managers.length - 1);
      expect(await managerCount(orgId)).toBe(1);
    }
  }, 120_000);
});

// Members and roles through the real handlers and DynamoDB Local: the last-manager rule (also under races), self-removal, sign-in rule, subscription.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advanceClock } from "../../shared/clock";
import { startApi, uniqueUser, type Client, type TestApi } from "../support/api";
import { orgWith } from "../support/orgs";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

const managersOf = async (orgId: string, reader: Awaited<ReturnType<TestApi["as"]>>) => {
  const all: { userId: string; role: string | null }[] = [];
  let cursor: string | undefined;
  do {
    const page = await reader.get(`/organizations/${orgId}/members?limit=7${cursor ? `&cursor=${cursor}` : ""}`);
    expect(page.status).toBe(200);
    all.push(...page.body.items);
    cursor = page.body.next;
  } while (cursor);
  return { all, managers: all.filter((m) => m.role === "SubscriptionManager") };
};

describe("members", () => {
  it("adds members with a role or none and lists them page by page, completely", async () => {
    const { orgId, admin } = await orgWith(api, {
      a: "Developer",
      b: "ApplicationManager",
      c: null,
      d: "SubscriptionManager",
      e: "Developer",
    });
    const first = await admin.get(`/organizations/${orgId}/members?limit=2`);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.next).toBeTypeOf("string");
    const { all } = await managersOf(orgId, admin);
    expect(all).toHaveLength(6);
    expect(all.map((m) => m.role).sort()).toEqual(
      ["ApplicationManager", "Developer", "Developer", "SubscriptionManager", "SubscriptionManager", null].sort(),
    );
  });

  it("refuses a cursor that belongs to another list", async () => {
    const one = await orgWith(api, { a: "Developer", b: "Developer" });
    const two = await orgWith(api, { a: "Developer", b: "Developer" });
    const page = await one.admin.get(`/organizations/${one.orgId}/members?limit=1`);
    const replay = await two.admin.get(`/organizations/${two.orgId}/members?limit=1&cursor=${page.body.next}`);
    expect(replay.status).toBe(400);
    expect(replay.body.error.details.fields[0].field).toBe("query.cursor");
  });

  it("refuses to add the same user twice", async () => {
    const { orgId, admin, members } = await orgWith(api, { a: "Developer" });
    const again = await admin.post(`/organizations/${orgId}/members`, {
      userId: members.a!.userId,
      email: "a@example.com",
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("MemberExists");
  });

  it("lets only a Subscription Manager add, change or remove members", async () => {
    const { orgId, members } = await orgWith(api, {
      am: "ApplicationManager",
      dev: "Developer",
      sm: "SubscriptionManager",
    });
    for (const who of [members.am!, members.dev!]) {
      const add = await who.post(`/organizations/${orgId}/members`, {
        userId: uniqueUser("x"),
        email: "x@example.com",
      });
      expect(add.status).toBe(403);
      expect(
        (await who.patch(`/organizations/${orgId}/members/${members.sm!.userId}`, { role: "Developer" })).status,
      ).toBe(403);
      expect((await who.delete(`/organizations/${orgId}/members/${members.sm!.userId}`)).status).toBe(403);
    }
    expect(
      (
        await members.sm!.patch(`/organizations/${orgId}/members/${members.dev!.userId}`, {
          role: "ApplicationManager",
        })
      ).status,
    ).toBe(200);
  });

  it("refuses to remove yourself, saying to hand the role on first", async () => {
    const { orgId, admin, members } = await orgWith(api, { sm: "SubscriptionManager" });
    const self = await members.sm!.delete(`/organizations/${orgId}/members/${members.sm!.userId}`);
    expect(self.status).toBe(409);
    expect(self.body.error.code).toBe("SelfRemoval");
    expect(self.body.error.message).toMatch(/assign the Subscription Manager role to another/);
    expect((await admin.delete(`/organizations/${orgId}/members/${admin.userId}`)).status).toBe(409);
  });

  it("keeps the Administrator a Subscription Manager, but lets another manager remove them", async () => {
    const { orgId, admin, members } = await orgWith(api, { sm: "SubscriptionManager" });
    const demote = await members.sm!.patch(`/organizations/${orgId}/members/${admin.userId}`, { role: "Developer" });
    expect(demote.status).toBe(409);
    expect(demote.body.error.code).toBe("AdministratorIsSubscriptionManager");
    expect((await members.sm!.delete(`/organizations/${orgId}/members/${admin.userId}`)).status).toBe(204);
    // Removal applies at once, whatever the token says.
    expect((await admin.get(`/organizations/${orgId}`)).status).toBe(404);
  });

  it("makes a Co-Administrator a Subscription Manager", async () => {
    const { orgId, admin, members } = await orgWith(api, { dev: "Developer" });
    const flagged = await admin.patch(`/organizations/${orgId}/members/${members.dev!.userId}`, {
      coAdministrator: true,
    });
    expect(flagged.body).toMatchObject({ coAdministrator: true, role: "SubscriptionManager" });
    const demote = await admin.patch(`/organizations/${orgId}/members/${members.dev!.userId}`, { role: "Developer" });
    expect(demote.body.error.code).toBe("AdministratorIsSubscriptionManager");
  });

  it("refuses to remove or demote the last Subscription Manager", async () => {
    const { orgId, admin, members } = await orgWith(api, { sm: "SubscriptionManager" });
    expect((await members.sm!.delete(`/organizations/${orgId}/members/${admin.userId}`)).status).toBe(204);
    const demoteSelf = await members.sm!.patch(`/organizations/${orgId}/members/${members.sm!.userId}`, {
      role: "Developer",
    });
    expect(demoteSelf.status).toBe(409);
    expect(demoteSelf.body.error.code).toBe("LastSubscriptionManager");
  });

  it("applies a promotion from the member's next sign-in", async () => {
    const { orgId, admin, members } = await orgWith(api, { dev: "Developer" });
    const before = members.dev!;
    expect((await before.get(`/organizations/${orgId}/subscription`)).status).toBe(403);

    advanceClock(2000);
    expect(
      (await admin.patch(`/organizations/${orgId}/members/${before.userId}`, { role: "SubscriptionManager" })).status,
    ).toBe(200);
    // The token issued before the change keeps the earlier role.
    expect((await before.get(`/organizations/${orgId}/subscription`)).status).toBe(403);
    expect((await before.get(`/organizations/${orgId}`)).body.yourRole).toBe("Developer");

    advanceClock(2000);
    const after = await api.as(before.userId);
    expect((await after.get(`/organizations/${orgId}/subscription`)).status).toBe(200);
    expect((await after.get(`/organizations/${orgId}`)).body.yourRole).toBe("SubscriptionManager");
  });

  it("answers 403 on everything to a member without a role", async () => {
    const { orgId, admin, members } = await orgWith(api, { none: null });
    const none = members.none!;
    expect((await none.get(`/organizations/${orgId}`)).status).toBe(403);
    expect((await none.get(`/organizations/${orgId}/members`)).status).toBe(403);
    expect((await none.post(`/organizations/${orgId}/applications`, { name: "x" })).status).toBe(403);
    expect((await none.get(`/organizations/${orgId}/applications`)).status).toBe(403);
    expect((await none.delete(`/organizations/${orgId}/members/${admin.userId}`)).status).toBe(403);
  });
});

describe("assigning a role to many members", () => {
  it("changes every listed member in one request", async () => {
    const { orgId, admin, members } = await orgWith(api, { a: "Developer", b: "Developer", c: null });
    const ids = [members.a!.userId, members.b!.userId, members.c!.userId];
    const answer = await admin.post(`/organizations/${orgId}/members:assign-role`, {
      userIds: ids,
      role: "ApplicationManager",
    });
    expect(answer.status).toBe(200);
    expect(answer.body.items.map((m: { role: string }) => m.role)).toEqual([
      "ApplicationManager",
      "ApplicationManager",
      "ApplicationManager",
    ]);
  });

  it("changes nobody when one listed member is unknown or the change would leave no Subscription Manager", async () => {
    const { orgId, admin, members } = await orgWith(api, { a: "Developer", sm: "SubscriptionManager" });
    const unknown = await admin.post(`/organizations/${orgId}/members:assign-role`, {
      userIds: [members.a!.userId, "ghost"],
      role: "ApplicationManager",
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain("ghost");

    expect((await members.sm!.delete(`/organizations/${orgId}/members/${admin.userId}`)).status).toBe(204);
    const all = await members.sm!.post(`/organizations/${orgId}/members:assign-role`, {
      userIds: [members.a!.userId, members.sm!.userId],
      role: "Developer",
    });
    expect(all.status).toBe(409);
    expect(all.body.error.code).toBe("LastSubscriptionManager");
    const { all: after } = await managersOf(orgId, members.sm!);
    expect(after.find((m) => m.userId === members.a!.userId)!.role).toBe("Developer");
    expect(after.find((m) => m.userId === members.sm!.userId)!.role).toBe("SubscriptionManager");
  });

  it("validates the list: at least one id, no duplicates", async () => {
    const { orgId, admin } = await orgWith(api);
    expect(
      (await admin.post(`/organizations/${orgId}/members:assign-role`, { userIds: [], role: "Developer" })).status,
    ).toBe(400);
    expect(
      (await admin.post(`/organizations/${orgId}/members:assign-role`, { userIds: ["a", "a"], role: "Developer" }))
        .status,
    ).toBe(400);
  });
});

describe("the last Subscription Manager under races", () => {
  it("leaves exactly one Subscription Manager after 50 concurrent demotions", async () => {
    const names = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`sm${i}`, "SubscriptionManager" as const]));
    const { orgId, admin, members } = await orgWith(api, names);
    const sms = Object.values(members);
    // The Administrator is always a manager; take them out first so the rule is the only guard left.
    expect((await sms[0]!.delete(`/organizations/${orgId}/members/${admin.userId}`)).status).toBe(204);

    // A demotion applies at once, so each manager demotes themselves (half to Developer, half to no role):
    // every one acts with their own, still standing authority, and the count is the only thing they race on.
    const answers = await Promise.all(
      sms.map((sm, i) =>
        sm.patch(`/organizations/${orgId}/members/${sm.userId}`, { role: i % 2 === 1 ? null : "Developer" }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    const refused = answers.filter((a) => a.status === 409);
    expect(refused, JSON.stringify(answers.map((a) => [a.status, a.body?.error?.code]))).toHaveLength(1);
    expect(refused[0]!.body.error.code).toBe("LastSubscriptionManager");

    const { managers } = await managersOf(orgId, sms[0]!);
    expect(managers).toHaveLength(1);
  });
});

describe("the subscription", () => {
  it("lets a Subscription Manager add credits, suspend and cancel, and then refuses changes", async () => {
    const { orgId, admin, members } = await orgWith(api, { am: "ApplicationManager" });
    const start = await admin.get(`/organizations/${orgId}/subscription`);
    expect(start.body).toMatchObject({ status: "active", credits: 0 });
    expect((await admin.patch(`/organizations/${orgId}/subscription`, { addCredits: 500 })).body.credits).toBe(500);
    expect(
      (await admin.patch(`/organizations/${orgId}/subscription`, { addCredits: 250, status: "suspended" })).body,
    ).toMatchObject({
      credits: 750,
      status: "suspended",
    });
    expect((await members.am!.get(`/organizations/${orgId}/subscription`)).status).toBe(403);
    expect((await members.am!.patch(`/organizations/${orgId}/subscription`, { addCredits: 1 })).status).toBe(403);
    expect((await admin.patch(`/organizations/${orgId}/subscription`, { status: "cancelled" })).body.status).toBe(
      "cancelled",
    );
    const late = await admin.patch(`/organizations/${orgId}/subscription`, { addCredits: 1 });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("SubscriptionCancelled");
    expect((await admin.patch(`/organizations/${orgId}/subscription`, {})).status).toBe(400);
  });

  it("answers each change with the subscription it wrote, also when 20 changes race", async () => {
    const { orgId, admin } = await orgWith(api);
    // Each answer is computed from the subscription read plus the change, with no read after: the write is
    // conditioned on that read, so the answers are exactly the 20 successive balances.
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => admin.patch(`/organizations/${orgId}/subscription`, { addCredits: 1 })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(answers.map((a) => a.body.credits).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect((await admin.get(`/organizations/${orgId}/subscription`)).body.credits).toBe(20);
  });
});

describe("leaving the organisation", () => {
  it("takes the removed member out of the organisation's iTwin teams at once, so no iModel stays open to them", async () => {
    const { orgId, admin, members } = await orgWith(api, { dev: "Developer" });
    const dev = members.dev!;
    const itwin = await admin.post(`/organizations/${orgId}/itwins`, { name: "Plant" });
    const imodel = await admin.post(`/itwins/${itwin.body.id}/imodels`, { name: "Unit" });
    await admin.post(`/itwins/${itwin.body.id}/members`, { userId: dev.userId, roles: ["Manage"] });
    expect((await dev.get(`/imodels/${imodel.body.id}`)).status).toBe(200);

    expect((await admin.delete(`/organizations/${orgId}/members/${dev.userId}`)).status).toBe(204);
    expect((await dev.get(`/imodels/${imodel.body.id}`)).status).toBe(404);
    const team = await admin.get(`/itwins/${itwin.body.id}/members`);
    expect(team.body.items.map((m: { userId: string }) => m.userId)).not.toContain(dev.userId);
  });

  /** Creates `count` iTwins as the Administrator and puts `member` on each team with `roles`. */
  async function teamsOf(admin: Client, orgId: string, member: Client, count: number, roles: string[]) {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const itwin = await admin.post(`/organizations/${orgId}/itwins`, { name: `Site ${i}` });
      expect((await admin.post(`/itwins/${itwin.body.id}/members`, { userId: member.userId, roles })).status).toBe(201);
      ids.push(itwin.body.id);
    }
    return ids;
  }

  /** The member is on none of the teams, and each team's manager count came back to the Administrator alone. */
  async function leftEverywhere(admin: Client, member: Client, itwinIds: string[]) {
    for (const id of itwinIds) {
      expect((await member.get(`/itwins/${id}`)).status).toBe(404);
      const team = await admin.get(`/itwins/${id}/members`);
      expect(team.body.items.map((m: { userId: string }) => m.userId)).toEqual([admin.userId]);
      // Had the counter not moved with the removal, the Administrator could now give team_manage up.
      expect((await admin.patch(`/itwins/${id}/members/${admin.userId}`, { roles: ["Delete"] })).body.error?.code).toBe(
        "LastTeamManager",
      );
    }
  }

  it("leaves every team, and gives back team_manage counts, in the removal's own transaction", async () => {
    const { orgId, admin, members } = await orgWith(api, { dev: "Developer" });
    const dev = members.dev!;
    const itwinIds = await teamsOf(admin, orgId, dev, 3, ["TeamManager"]);
    const sandbox = await dev.post(`/organizations/${orgId}/test-itwins`, { name: "Sandbox" });
    expect((await dev.get(`/itwins/${sandbox.body.id}`)).status).toBe(200);
    expect((await dev.get(`/organizations/${orgId}/itwins`)).body.items).toHaveLength(3);

    expect((await admin.delete(`/organizations/${orgId}/members/${dev.userId}`)).status).toBe(204);
    await leftEverywhere(admin, dev, itwinIds);
    // Their participation in a Test iTwin went too: the team check of /itwins reads only the participant item.
    expect((await dev.get(`/itwins/${sandbox.body.id}`)).status).toBe(404);
  });

  it("leaves teams one by one after the removal when they do not fit in one transaction", async () => {
    const { orgId, admin, members } = await orgWith(api, { dev: "Developer" });
    const dev = members.dev!;
    // 3 items per team where they manage: 35 teams are more than one transaction takes.
    const itwinIds = await teamsOf(admin, orgId, dev, 35, ["TeamManager"]);
    expect((await admin.delete(`/organizations/${orgId}/members/${dev.userId}`)).status).toBe(204);
    await leftEverywhere(admin, dev, itwinIds);
  }, 60_000);

  it("leaves no team behind when teams are joined while the member is removed", async () => {
    const { orgId, admin, members } = await orgWith(api, { dev: "Developer" });
    const dev = members.dev!;
    const itwinIds: string[] = [];
    for (let i = 0; i < 12; i++)
      itwinIds.push((await admin.post(`/organizations/${orgId}/itwins`, { name: `Site ${i}` })).body.id);
    const [removal, ...adds] = await Promise.all([
      admin.delete(`/organizations/${orgId}/members/${dev.userId}`),
      ...itwinIds.map((id) => admin.post(`/itwins/${id}/members`, { userId: dev.userId, roles: ["Read"] })),
    ]);
    expect(removal!.status).toBe(204);
    // Each add came before the removal (and was undone by it) or after it (and was refused).
    for (const add of adds)
      expect(add.status === 201 || add.body.error?.code === "NotOrganizationMember", JSON.stringify(add.body)).toBe(
        true,
      );
    for (const id of itwinIds) {
      const team = await admin.get(`/itwins/${id}/members`);
      expect(team.body.items.map((m: { userId: string }) => m.userId)).toEqual([admin.userId]);
    }
  });
});

describe("adding a member by e-mail alone", () => {
  it("invites the address; the user who signs in with it becomes a member with the role given, once", async () => {
    const { orgId, admin } = await orgWith(api);
    const invitee = uniqueUser("invitee");
    const address = `${invitee}@Example.com`;
    const invited = await admin.post(`/organizations/${orgId}/members`, { email: address, role: "ApplicationManager" });
    expect(invited.status).toBe(201);
    expect(invited.body).toMatchObject({ status: "invited", email: address.toLowerCase(), role: "ApplicationManager" });
    expect((await admin.post(`/organizations/${orgId}/members`, { email: address })).body.error.code).toBe(
      "InvitationExists",
    );

    const someoneElse = await api.as(uniqueUser("someone"));
    expect((await someoneElse.get(`/organizations/${orgId}`)).status).toBe(404);

    const user = await api.as(invitee, { email: address.toLowerCase() });
    const joined = await user.get(`/organizations/${orgId}`);
    expect(joined.status).toBe(200);
    expect(joined.body.yourRole).toBe("ApplicationManager");
    const { all } = await managersOf(orgId, admin);
    expect(all.filter((m) => m.userId === invitee)).toHaveLength(1);

    // Another account with the same address finds the invitation used.
    const twin = await api.as(uniqueUser("twin"), { email: address.toLowerCase() });
    expect((await twin.get(`/organizations/${orgId}`)).status).toBe(404);
  });

  it("does not let an unverified address take an invitation", async () => {
    const { orgId, admin } = await orgWith(api);
    const address = `${uniqueUser("x")}@example.com`;
    await admin.post(`/organizations/${orgId}/members`, { email: address, role: "Developer" });
    const token = await api.issuer.mint({ sub: uniqueUser("unverified"), email: address, email_verified: false });
    const answer = await api.request("GET", `/organizations/${orgId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(answer.status).toBe(404);
  });
});

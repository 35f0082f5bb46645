// Authority you can trust (issue 13): each test is named after the attack it stops, through HTTP against DynamoDB Local and the local SES server.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { makeApp } from "../../shared/app";
import type { Job } from "../../shared/jobs";
import { advanceClock, clock } from "../../shared/clock";
import { keys } from "../../shared/store/keys";
import { makeDocumentClient } from "../../shared/store/client";
import { startApi, uniqueUser, type Client, type TestApi } from "../support/api";
import { orgWith } from "../support/orgs";
import { emailOf, mailTo, teamWith } from "../support/sync";

let api: TestApi;
let ddb: ReturnType<typeof makeDocumentClient>;
beforeAll(async () => {
  api = await startApi();
  ddb = makeDocumentClient({ region: "local", endpoint: inject("dynamodbEndpoint") });
});
afterAll(() => api.close());

const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);
const DAY = 24 * 3600;

/** A second client for the same user whose token was issued `secondsAgo` before now, with an `auth_time` days old. */
const oldToken = (api: TestApi, userId: string, secondsAgo: number) =>
  api.as(userId, { issuedAt: nowSeconds() - secondsAgo, auth_time: nowSeconds() - 5 * DAY });

describe("demotion applies at once, promotion at the next sign-in", () => {
  it("stops a demoted Subscription Manager from acting as one with the token issued seconds before the demotion", async () => {
    const { orgId, admin, members } = await orgWith(api, { sm: "SubscriptionManager", dev: "Developer" });
    const sm = members.sm!;
    advanceClock(3000);
    // Issued seconds before the change, with a sign-in (auth_time) days old that a refresh kept.
    const held = await oldToken(api, sm.userId, 2);
    expect((await held.get(`/organizations/${orgId}/subscription`)).status).toBe(200);

    expect((await admin.patch(`/organizations/${orgId}/members/${sm.userId}`, { role: "Developer" })).status).toBe(200);
    expect((await held.get(`/organizations/${orgId}`)).body.yourRole).toBe("Developer");
    expect((await held.get(`/organizations/${orgId}/subscription`)).status).toBe(403);
    expect((await held.patch(`/organizations/${orgId}/members/${members.dev!.userId}`, { role: null })).status).toBe(
      403,
    );
    expect(
      (await held.post(`/organizations/${orgId}/members`, { userId: uniqueUser("new"), email: "new@example.com" }))
        .status,
    ).toBe(403);
    // Promoting themselves back.
    expect(
      (await held.patch(`/organizations/${orgId}/members/${sm.userId}`, { role: "SubscriptionManager" })).status,
    ).toBe(403);
    expect(
      (
        await held.post(`/organizations/${orgId}/members:assign-role`, {
          userIds: [sm.userId],
          role: "SubscriptionManager",
        })
      ).status,
    ).toBe(403);
    const listed = (await admin.get(`/organizations/${orgId}/members`)).body.items.find(
      (m: { userId: string }) => m.userId === sm.userId,
    );
    expect(listed.role).toBe("Developer");
  });

  it("stops a member whose role was cleared, or who was removed, on their very next request", async () => {
    const { orgId, admin, members } = await orgWith(api, {
      cleared: "ApplicationManager",
      removed: "SubscriptionManager",
    });
    advanceClock(2000);
    const cleared = await oldToken(api, members.cleared!.userId, 1);
    const removed = await oldToken(api, members.removed!.userId, 1);
    expect((await cleared.get(`/organizations/${orgId}/applications`)).status).toBe(200);
    expect((await removed.get(`/organizations/${orgId}/subscription`)).status).toBe(200);

    expect((await admin.patch(`/organizations/${orgId}/members/${cleared.userId}`, { role: null })).status).toBe(200);
    expect((await admin.delete(`/organizations/${orgId}/members/${removed.userId}`)).status).toBe(204);
    expect((await cleared.get(`/organizations/${orgId}/applications`)).status).toBe(403);
    expect((await cleared.post(`/organizations/${orgId}/applications`, { name: "Late" })).status).toBe(403);
    expect((await removed.get(`/organizations/${orgId}/subscription`)).status).toBe(404);
    expect((await removed.get(`/organizations/${orgId}`)).status).toBe(404);
  });

  it("keeps a promoted member at the earlier role until a token issued after the promotion, however old its auth_time", async () => {
    const { orgId, admin, members } = await orgWith(api, { dev: "Developer" });
    advanceClock(3000);
    const before = await oldToken(api, members.dev!.userId, 1);
    expect(
      (await admin.patch(`/organizations/${orgId}/members/${before.userId}`, { role: "SubscriptionManager" })).status,
    ).toBe(200);
    expect((await before.get(`/organizations/${orgId}/subscription`)).status).toBe(403);

    advanceClock(2000);
    // A refreshed token: issued now, but its auth_time is the sign-in of days ago. iat decides, not auth_time.
    const refreshed = await api.as(before.userId, { auth_time: nowSeconds() - 5 * DAY });
    expect((await refreshed.get(`/organizations/${orgId}`)).body.yourRole).toBe("SubscriptionManager");
    expect((await refreshed.get(`/organizations/${orgId}/subscription`)).status).toBe(200);
  });

  it("refuses a Subscription Manager who gives themselves the Co-Administrator flag", async () => {
    const { orgId, members } = await orgWith(api, { sm: "SubscriptionManager" });
    const raised = await members.sm!.patch(`/organizations/${orgId}/members/${members.sm!.userId}`, {
      coAdministrator: true,
    });
    expect(raised.status).toBe(403);
    expect(raised.body.error.message).toContain("Nobody raises their own role");
    // Lowering their own role stays allowed.
    expect(
      (await members.sm!.patch(`/organizations/${orgId}/members/${members.sm!.userId}`, { role: "Developer" })).status,
    ).toBe(200);
  });

  it("stops a demoted Co-Administrator at once: clearing the flag with the role", async () => {
    const { orgId, admin, members } = await orgWith(api, { co: "SubscriptionManager" });
    expect(
      (await admin.patch(`/organizations/${orgId}/members/${members.co!.userId}`, { coAdministrator: true })).status,
    ).toBe(200);
    advanceClock(2000);
    const held = await oldToken(api, members.co!.userId, 1);
    expect((await held.get(`/organizations/${orgId}/subscription`)).status).toBe(200);
    expect(
      (
        await admin.patch(`/organizations/${orgId}/members/${held.userId}`, {
          coAdministrator: false,
          role: "Developer",
        })
      ).status,
    ).toBe(200);
    expect((await held.get(`/organizations/${orgId}/subscription`)).status).toBe(403);
  });
});

describe("verified identity only", () => {
  it("refuses an invitation, Co-Administrator included, to a token whose email carries no email_verified claim", async () => {
    const { orgId, admin } = await orgWith(api);
    const address = `${uniqueUser("target")}@example.com`;
    expect(
      (await admin.post(`/organizations/${orgId}/members`, { email: address, coAdministrator: true })).status,
    ).toBe(201);
    const noClaim = await api.as(uniqueUser("forger"), { email: address, email_verified: null });
    expect((await noClaim.get(`/organizations/${orgId}`)).status).toBe(404);
    const saysFalse = await api.as(uniqueUser("forger"), { email: address, email_verified: false });
    expect((await saysFalse.get(`/organizations/${orgId}`)).status).toBe(404);
    // The claim as a string anything but "true" is no verification either.
    const sloppy = await api.as(uniqueUser("forger"), { email: address, email_verified: "yes" });
    expect((await sloppy.get(`/organizations/${orgId}`)).status).toBe(404);

    // A boolean true from the issuer arrives as the string "true", as API Gateway passes it, and counts.
    const owner = await api.as(uniqueUser("owner"), { email: address, email_verified: true });
    const joined = await owner.get(`/organizations/${orgId}`);
    expect(joined.status).toBe(200);
    expect(joined.body.yourRole).toBe("SubscriptionManager");
  });

  it("never mails the address a manager typed, only the member's own verified one", async () => {
    const team = await teamWith(api, { owner: "Write", taker: "Write" }, { interact: false });
    const victim = `${uniqueUser("victim")}@example.com`;
    const own = `${uniqueUser("own")}@example.com`;
    // A member added with an address someone else typed; they sign in with their own verified address.
    const typed = await api.as(uniqueUser("typed"), { email: own });
    expect(
      (
        await team.admin.post(`/organizations/${team.orgId}/members`, {
          userId: typed.userId,
          email: victim,
          role: "Developer",
        })
      ).status,
    ).toBe(201);
    expect(
      (await team.admin.post(`/itwins/${team.itwinId}/members`, { userId: typed.userId, roles: ["Write"] })).status,
    ).toBe(201);
    const { body: connection } = await typed.post(`/imodels/${team.imodelId}/connections`, {
      name: "Relay",
      files: [],
    });
    expect((await team.members.taker!.get(`/imodels/${team.imodelId}`)).status).toBe(200);
    expect((await team.members.taker!.post(`/connections/${connection.id}/owner:take`)).status).toBe(200);

    expect(await mailTo(victim)).toHaveLength(0);
    const mail = await mailTo(own);
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toContain("took ownership");
  });

  it("sends no mail to a member whose tokens never carried a verified address, and follows the latest verified one", async () => {
    const team = await teamWith(api, { taker: "Write" });
    const userId = uniqueUser("unverified");
    const first = `${userId}@example.com`;
    const unverified = await api.as(userId, { email: first, email_verified: false });
    expect(
      (await team.admin.post(`/organizations/${team.orgId}/members`, { userId, email: first, role: "Developer" }))
        .status,
    ).toBe(201);
    expect((await team.admin.post(`/itwins/${team.itwinId}/members`, { userId, roles: ["Write"] })).status).toBe(201);
    const { body: connection } = await unverified.post(`/imodels/${team.imodelId}/connections`, {
      name: "Quiet",
      files: [],
    });
    expect((await team.members.taker!.post(`/connections/${connection.id}/owner:take`)).status).toBe(200);
    expect(await mailTo(first)).toHaveLength(0);

    // Signed in with a verified address (recorded on that request), then with a new verified one: mail follows the latest.
    const moved = `${uniqueUser("moved")}@example.com`;
    await (await api.as(userId, { email: first })).get(`/imodels/${team.imodelId}`);
    await (await api.as(userId, { email: moved })).get(`/organizations/${team.orgId}`);
    const member = await ddb.send(
      new GetCommand({
        TableName: process.env.TABLE_NAME!,
        Key: keys.member(team.orgId, userId),
        ConsistentRead: true,
      }),
    );
    expect(member.Item?.verifiedEmail).toBe(moved);
    // The same address again writes nothing (the member's version and the address stay as they are).
    await (await api.as(userId, { email: moved })).get(`/organizations/${team.orgId}`);
    const again = await ddb.send(
      new GetCommand({
        TableName: process.env.TABLE_NAME!,
        Key: keys.member(team.orgId, userId),
        ConsistentRead: true,
      }),
    );
    expect(again.Item).toEqual(member.Item);

    const { body: back } = await team.members.taker!.post(`/imodels/${team.imodelId}/connections`, {
      name: "Back",
      files: [],
    });
    expect((await (await api.as(userId, { email: moved })).post(`/connections/${back.id}/owner:take`)).status).toBe(
      200,
    );
    // The taker's mail went to the taker; the unverified member's previous mail went nowhere.
    expect(await mailTo(emailOf(team.members.taker!))).toHaveLength(1);
    expect(await mailTo(first)).toHaveLength(0);
  });

  it("never lets an older token still in use bring back its old address, also when both tokens race (the newest token's address stays)", async () => {
    const team = await teamWith(api, {});
    const userId = uniqueUser("twotokens");
    const old = `${userId}.old@example.com`;
    const current = `${uniqueUser("current")}@example.com`;
    expect(
      (await team.admin.post(`/organizations/${team.orgId}/members`, { userId, email: old, role: "Developer" })).status,
    ).toBe(201);
    // Issue times on the service's clock, which this file moves on.
    const now = Math.floor(clock.now().getTime() / 1000);
    const oldToken = await api.as(userId, { email: old, issuedAt: now - 1800 });
    const newToken = await api.as(userId, { email: current, issuedAt: now - 60 });
    const stored = async () =>
      (
        await ddb.send(
          new GetCommand({
            TableName: process.env.TABLE_NAME!,
            Key: keys.member(team.orgId, userId),
            ConsistentRead: true,
          }),
        )
      ).Item?.verifiedEmail;

    // The newer token first, then the older one: the newer address stays.
    expect((await newToken.get(`/organizations/${team.orgId}`)).status).toBe(200);
    expect((await oldToken.get(`/organizations/${team.orgId}`)).status).toBe(200);
    expect(await stored()).toBe(current);

    // A fresh member, both tokens racing 16 requests each: whatever lands first, the newest token's address is kept.
    const racer = uniqueUser("racer");
    const racerOld = `${racer}.old@example.com`;
    const racerNew = `${racer}.new@example.com`;
    expect(
      (
        await team.admin.post(`/organizations/${team.orgId}/members`, {
          userId: racer,
          email: racerOld,
          role: "Developer",
        })
      ).status,
    ).toBe(201);
    const racerOldToken = await api.as(racer, { email: racerOld, issuedAt: now - 1800 });
    const racerNewToken = await api.as(racer, { email: racerNew, issuedAt: now - 60 });
    const answers = await Promise.all(
      Array.from({ length: 32 }, (_, i) => (i % 2 ? racerOldToken : racerNewToken).get(`/organizations/${team.orgId}`)),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const racerItem = await ddb.send(
      new GetCommand({ TableName: process.env.TABLE_NAME!, Key: keys.member(team.orgId, racer), ConsistentRead: true }),
    );
    expect(racerItem.Item?.verifiedEmail).toBe(racerNew);
  });

  it("records the verified address with one write when it changes and no request when it does not", async () => {
    const counting = makeDocumentClient({ region: "local", endpoint: inject("dynamodbEndpoint") });
    const calls: string[] = [];
    counting.middlewareStack.add(
      (next, context) => async (args) => {
        calls.push(String(context.commandName));
        return next(args);
      },
      { step: "finalizeRequest", priority: "low", name: "countRequests" },
    );
    const local = await startApi({ app: makeApp({ ddb: counting }) });
    try {
      const team = await teamWith(local, { reader: "Read" });
      const userId = team.members.reader!.userId;
      const moved = await local.as(userId, { email: `${uniqueUser("moved")}@example.com` });
      calls.length = 0;
      expect((await moved.get(`/imodels/${team.imodelId}/permissions`)).status).toBe(200);
      expect(calls).toEqual(["BatchGetItemCommand", "UpdateItemCommand"]);
      calls.length = 0;
      expect((await moved.get(`/imodels/${team.imodelId}/permissions`)).status).toBe(200);
      expect((await moved.get(`/organizations/${team.orgId}`)).status).toBe(200);
      expect(calls).toEqual(["BatchGetItemCommand", "BatchGetItemCommand"]);
    } finally {
      await local.close();
    }
  });
});

describe("grant ceiling", () => {
  /** An iTwin whose team has `manager` with team_manage and only Read, and `other` with View. */
  async function teamManagerWithRead() {
    const { orgId, admin, members } = await orgWith(api, { manager: "Developer", other: "Developer" });
    const itwin = (await admin.post(`/organizations/${orgId}/itwins`, { name: "Ceiling" })).body;
    const imodel = (await admin.post(`/itwins/${itwin.id}/imodels`, { name: "Unit" })).body;
    expect(
      (
        await admin.post(`/itwins/${itwin.id}/members`, {
          userId: members.manager!.userId,
          roles: ["Read", "TeamManager"],
        })
      ).status,
    ).toBe(201);
    expect(
      (await admin.post(`/itwins/${itwin.id}/members`, { userId: members.other!.userId, roles: ["View"] })).status,
    ).toBe(201);
    return {
      orgId,
      admin,
      itwinId: itwin.id as string,
      imodelId: imodel.id as string,
      manager: members.manager!,
      other: members.other!,
    };
  }

  it("refuses a team manager with Read who grants Delete to another member or to itself", async () => {
    const { itwinId, manager, other, orgId, admin } = await teamManagerWithRead();
    const toOther = await manager.patch(`/itwins/${itwinId}/members/${other.userId}`, { roles: ["Delete"] });
    expect(toOther.status).toBe(403);
    expect(toOther.body.error.message).toContain("imodels_delete");
    const toSelf = await manager.patch(`/itwins/${itwinId}/members/${manager.userId}`, {
      roles: ["Delete", "TeamManager"],
    });
    expect(toSelf.status).toBe(403);
    expect(toSelf.body.error.message).toContain("imodels_write");
    const newcomer = await api.as(uniqueUser("newcomer"));
    await admin.post(`/organizations/${orgId}/members`, {
      userId: newcomer.userId,
      email: emailOf(newcomer),
      role: "Developer",
    });
    expect(
      (await manager.post(`/itwins/${itwinId}/members`, { userId: newcomer.userId, roles: ["Write"] })).status,
    ).toBe(403);
    // Within its own level it may.
    expect((await manager.patch(`/itwins/${itwinId}/members/${other.userId}`, { roles: ["Read"] })).status).toBe(200);
    expect(
      (await manager.post(`/itwins/${itwinId}/members`, { userId: newcomer.userId, roles: ["Read"] })).status,
    ).toBe(201);
  });

  it("refuses a team manager with Read who defines a custom role above its level, or grants one", async () => {
    const { itwinId, manager, other, admin } = await teamManagerWithRead();
    const above = await manager.post(`/itwins/${itwinId}/roles`, { name: "Pusher", permissions: ["imodels_write"] });
    expect(above.status).toBe(403);
    expect(above.body.error.message).toContain("imodels_write");
    expect(
      (await manager.post(`/itwins/${itwinId}/roles`, { name: "Reader", permissions: ["imodels_read"] })).status,
    ).toBe(201);
    // A custom role the creator defined above the manager's level cannot be handed out by the manager.
    const deleter = (await admin.post(`/itwins/${itwinId}/roles`, { name: "Deleter", permissions: ["imodels_delete"] }))
      .body;
    expect((await manager.patch(`/itwins/${itwinId}/members/${other.userId}`, { roles: [deleter.id] })).status).toBe(
      403,
    );
    // The iTwin's creator holds everything, whatever roles it has now.
    expect((await admin.patch(`/itwins/${itwinId}/members/${other.userId}`, { roles: [deleter.id] })).status).toBe(200);
  });

  it("lets the iTwin's creator grant everything even after giving its own iModel roles away", async () => {
    const { itwinId, admin, manager } = await teamManagerWithRead();
    expect(
      (await admin.patch(`/itwins/${itwinId}/members/${admin.userId}`, { roles: ["View", "TeamManager"] })).status,
    ).toBe(200);
    expect(
      (await admin.patch(`/itwins/${itwinId}/members/${manager.userId}`, { roles: ["Delete", "TeamManager"] })).status,
    ).toBe(200);
  });
});

describe("removal ends access at once, whatever the size", () => {
  /** A DynamoDB client whose DeleteItem calls fail after `allowed` of them once armed: a cleanup that dies half-way. */
  function dyingCleanupClient() {
    const state = { armed: false, allowed: 0 };
    const client = new DynamoDBClient({
      region: "local",
      endpoint: inject("dynamodbEndpoint"),
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (state.armed && context.commandName === "DeleteItemCommand" && state.allowed-- <= 0) {
          throw Object.assign(new Error("injected: the cleanup's Lambda died"), {
            name: "InjectedDeath",
            $fault: "server",
            $metadata: {},
          });
        }
        return next(args);
      },
      { step: "initialize", name: "killCleanup" },
    );
    return { ddb: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }), state };
  }

  /** `count` new iTwins of the organisation, with `userId` on each team as a Write team manager. */
  async function managedTeams(admin: Client, orgId: string, userId: string, count: number): Promise<string[]> {
    const itwinIds: string[] = [];
    for (let i = 0; i < count; i++) {
      const itwin = await admin.post(`/organizations/${orgId}/itwins`, { name: `Site ${i}` });
      const added = await admin.post(`/itwins/${itwin.body.id}/members`, { userId, roles: ["Write", "TeamManager"] });
      expect(added.status).toBe(201);
      itwinIds.push(itwin.body.id);
    }
    return itwinIds;
  }

  it("hides every iTwin, iModel, Test iTwin and connection from a member on 60 teams whose cleanup died half-way (injected fault)", async () => {
    const { ddb: dying, state } = dyingCleanupClient();
    const local = await startApi({ app: makeApp({ ddb: dying }) });
    try {
      const { orgId, admin, members } = await orgWith(local, { dev: "Developer" });
      const dev = members.dev!;
      const itwinIds = await managedTeams(admin, orgId, dev.userId, 60);
      const imodel = (await admin.post(`/itwins/${itwinIds[59]}/imodels`, { name: "Last" })).body;
      const connection = (await dev.post(`/imodels/${imodel.id}/connections`, { name: "Mine", files: [] })).body;
      const sandbox = (await dev.post(`/organizations/${orgId}/test-itwins`, { name: "Sandbox" })).body;
      const sandboxModel = (await dev.post(`/itwins/${sandbox.id}/imodels`, { name: "Play" })).body;
      expect((await dev.get(`/connections/${connection.id}`)).status).toBe(200);

      // The cleanup leaves about a dozen teams (two DeleteItem calls each), then dies.
      Object.assign(state, { armed: true, allowed: 25 });
      expect((await admin.delete(`/organizations/${orgId}/members/${dev.userId}`)).status).toBe(204);
      state.armed = false;
      // The cleanup really died half-way: some teams still list the member, some no longer do.
      const stillListed: string[] = [];
      for (const id of itwinIds) {
        const team = await admin.get(`/itwins/${id}/members`);
        if (team.body.items.some((m: { userId: string }) => m.userId === dev.userId)) stillListed.push(id);
      }
      expect(stillListed.length).toBeGreaterThan(0);
      expect(stillListed.length).toBeLessThan(60);
      const leftover = stillListed[0]!;
      // Where a team item of the member is left over: an iModel and a connection made there after the removal.
      const leftoverModel = (await admin.post(`/itwins/${leftover}/imodels`, { name: "Later" })).body;
      const leftoverConnection = (
        await admin.post(`/imodels/${leftoverModel.id}/connections`, { name: "Later", files: [] })
      ).body;
      const leftoverHidden = async () => {
        expect((await dev.get(`/itwins/${leftover}`)).status).toBe(404);
        expect((await dev.get(`/itwins/${leftover}/members`)).status).toBe(404);
        expect((await dev.get(`/imodels/${leftoverModel.id}`)).status).toBe(404);
        expect((await dev.get(`/imodels/${leftoverModel.id}/permissions`)).status).toBe(404);
        expect((await dev.get(`/connections/${leftoverConnection.id}`)).status).toBe(404);
      };
      await leftoverHidden();

      for (const id of itwinIds) expect((await dev.get(`/itwins/${id}`)).status, id).toBe(404);
      expect((await dev.get(`/imodels/${imodel.id}`)).status).toBe(404);
      expect((await dev.get(`/imodels/${imodel.id}/permissions`)).status).toBe(404);
      expect((await dev.get(`/itwins/${itwinIds[59]}/imodels`)).status).toBe(404);
      expect((await dev.get(`/connections/${connection.id}`)).status).toBe(404);
      expect((await dev.get(`/connections/${connection.id}/runs`)).status).toBe(404);
      expect((await dev.get(`/test-itwins/${sandbox.id}`)).status).toBe(404);
      expect((await dev.get(`/imodels/${sandboxModel.id}`)).status).toBe(404);
      expect((await dev.patch(`/itwins/${leftover}/members/${dev.userId}`, { roles: ["Delete"] })).status).toBe(404);

      // Added to the organisation again, the leftovers of the earlier membership do not count.
      expect(
        (
          await admin.post(`/organizations/${orgId}/members`, {
            userId: dev.userId,
            email: emailOf(dev),
            role: "Developer",
          })
        ).status,
      ).toBe(201);
      await leftoverHidden();
    } finally {
      await local.close();
    }
  }, 120_000);

  it("leaves the teams a large removal's transaction cannot hold in a job of the worker's: killed half-way, its retry goes on, and every iTwin's team_manage count is right again (injected fault)", async () => {
    const { ddb: dying, state } = dyingCleanupClient();
    const held: Job[] = [];
    const app = makeApp({ ddb: dying, jobs: { enqueue: async (job) => void held.push(job) } });
    const local = await startApi({ app });
    try {
      const { orgId, admin, members } = await orgWith(local, { dev: "Developer" });
      const dev = members.dev!;
      const itwinIds = await managedTeams(admin, orgId, dev.userId, 40);
      const listing = async () => {
        let count = 0;
        for (const id of itwinIds) {
          const team = await admin.get(`/itwins/${id}/members`);
          if (team.body.items.some((m: { userId: string }) => m.userId === dev.userId)) count++;
        }
        return count;
      };

      expect((await admin.delete(`/organizations/${orgId}/members/${dev.userId}`)).status).toBe(204);
      expect(held).toEqual([{ kind: "leaveTeams", orgId, userIds: [dev.userId], removedAt: expect.any(String) }]);
      const job = held[0]!;
      // 40 managed teams do not fit the removal's transaction: all of them wait for the job (and count for nothing meanwhile).
      const waiting = await listing();
      expect(waiting).toBe(40);

      // The worker's first delivery dies after a few teams; Lambda's retry goes on where it stopped, and one more changes nothing.
      Object.assign(state, { armed: true, allowed: 6 });
      await expect(app.work(job)).rejects.toThrow(/injected/);
      state.armed = false;
      const left = await listing();
      expect(left).toBeLessThan(waiting);
      expect(left).toBeGreaterThan(0);
      await app.work(job);
      await app.work(job);
      expect(await listing()).toBe(0);

      // Each iTwin counts its team managers right again: its creator is the only one left, so cannot give up team_manage.
      for (const id of itwinIds) {
        const refused = await admin.patch(`/itwins/${id}/members/${admin.userId}`, { roles: ["Write"] });
        expect(refused.status, id).toBe(409);
        expect(refused.body.error.code).toBe("LastTeamManager");
      }
    } finally {
      await local.close();
    }
  }, 120_000);

  it("lets a removal's job run after the user was added back: the earlier membership's team items go, the new ones stay, and the user can join those teams again (injected jobs)", async () => {
    const held: Job[] = [];
    const app = makeApp({ jobs: { enqueue: async (job) => void held.push(job) } });
    const local = await startApi({ app });
    try {
      const { orgId, admin, members } = await orgWith(local, { dev: "Developer" });
      const dev = members.dev!;
      const itwinIds = await managedTeams(admin, orgId, dev.userId, 35);
      expect((await admin.delete(`/organizations/${orgId}/members/${dev.userId}`)).status).toBe(204);
      expect(held).toHaveLength(1);

      // Back in the organisation before the job ran: a leftover team item is in the way of joining that team again.
      const again = { userId: dev.userId, email: emailOf(dev), role: "Developer" };
      expect((await admin.post(`/organizations/${orgId}/members`, again)).status).toBe(201);
      const blocked = await admin.post(`/itwins/${itwinIds[0]}/members`, { userId: dev.userId, roles: ["Read"] });
      expect(blocked.status).toBe(409);
      const fresh = (await admin.post(`/organizations/${orgId}/itwins`, { name: "After" })).body.id as string;
      expect((await admin.post(`/itwins/${fresh}/members`, { userId: dev.userId, roles: ["Read"] })).status).toBe(201);

      await app.work(held[0]!);
      for (const id of itwinIds) {
        const team = await admin.get(`/itwins/${id}/members`);
        expect(
          team.body.items.map((m: { userId: string }) => m.userId),
          id,
        ).not.toContain(dev.userId);
      }
      expect((await dev.get(`/itwins/${fresh}`)).status).toBe(200);
      expect((await admin.post(`/itwins/${itwinIds[0]}/members`, { userId: dev.userId, roles: ["Read"] })).status).toBe(
        201,
      );
      expect((await dev.get(`/itwins/${itwinIds[0]}`)).status).toBe(200);
      const refused = await admin.patch(`/itwins/${itwinIds[1]}/members/${admin.userId}`, { roles: ["Write"] });
      expect(refused.body.error?.code).toBe("LastTeamManager");
    } finally {
      await local.close();
    }
  }, 120_000);
});

describe("answers to signed-in callers are never cached", () => {
  it("sends Cache-Control: no-store on every authenticated answer, errors included, and not on public ones", async () => {
    const { orgId, admin, members } = await orgWith(api, { dev: "Developer" });
    const answers = [
      await admin.get(`/organizations/${orgId}`),
      await admin.get(`/organizations/${orgId}/members`),
      await admin.post(`/organizations/${orgId}/members`, { userId: uniqueUser("x"), email: "x@example.com" }),
      await members.dev!.get(`/organizations/${orgId}/subscription`), // 403
      await admin.get(`/organizations/org_missing`), // 404
      await admin.post(`/organizations`, { nope: true }), // 400
      await admin.delete(`/organizations/${orgId}/members/${admin.userId}`), // 409
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 201, 403, 404, 400, 409]);
    for (const answer of answers) expect(answer.headers.get("cache-control")).toBe("no-store");
    expect((await api.request("GET", "/health")).headers.get("cache-control")).not.toBe("no-store");
  });
});

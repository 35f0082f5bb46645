// Synchronization through the real handlers, DynamoDB Local and the local SES server: connections, runs on the owner's behalf, ownership and its mail.
import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { makeDocumentClient } from "../../shared/store/client";
import { makeApp } from "../../shared/app";
import { imodelOfConnection, mintConnectionId } from "../../shared/child-ids";
import { DynamoSyncStore } from "../../shared/store/sync";
import { keys } from "../../shared/store/keys";
import type { Job } from "../../shared/jobs";
import { startApi, uniqueUser, type Client, type Reply, type TestApi } from "../support/api";
import { emailOf, mailTo, teamWith } from "../support/sync";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

const files = [
  { id: "a.dgn", name: "a.dgn", version: "1" },
  { id: "b.dgn", name: "b.dgn", version: "1" },
];

describe("connections", () => {
  it("is not created on an iModel deleted between the check and the write (404, not a conflict)", async () => {
    const team = await teamWith(api, { writer: "Write" });
    // The check passed; the iModel goes before the transaction: its ConditionCheck must answer 404.
    expect((await team.admin.delete(`/imodels/${team.imodelId}`)).status).toBe(204);
    const store = new DynamoSyncStore({
      ddb: makeDocumentClient({ region: "local", endpoint: inject("dynamodbEndpoint") }),
      tableName: process.env.TABLE_NAME!,
    });
    const at = new Date().toISOString();
    const gone = store.createConnection({
      id: mintConnectionId(team.imodelId),
      imodelId: team.imodelId,
      itwinId: team.itwinId,
      name: "late",
      ownerId: team.members.writer!.userId,
      owners: [],
      files: [],
      synced: {},
      createdBy: team.members.writer!.userId,
      createdAt: at,
      updatedAt: at,
      version: 1,
      schedule: { every: "P1D" },
      scheduleAnchor: at,
      nextDueAt: at,
    });
    await expect(gone).rejects.toMatchObject({ status: 404 });
  });

  it("needs Write on the iModel to create one, and makes the creator its owner", async () => {
    const team = await teamWith(api, { writer: "Write", reader: "Read" });
    const outsider = await api.as(uniqueUser("outsider"));
    const body = { name: "Plant sync", files, schedule: { every: "P1D" } };
    expect((await team.members.reader!.post(`/imodels/${team.imodelId}/connections`, body)).status).toBe(403);
    expect((await outsider.post(`/imodels/${team.imodelId}/connections`, body)).status).toBe(404);
    const created = await team.members.writer!.post(`/imodels/${team.imodelId}/connections`, body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      ownerId: team.members.writer!.userId,
      name: "Plant sync",
      schedule: { every: "P1D" },
    });
    expect(Date.parse(created.body.nextDueAt)).toBeGreaterThan(Date.now());

    const listed = await team.members.reader!.get(`/imodels/${team.imodelId}/connections`);
    expect(listed.body.items.map((c: { id: string }) => c.id)).toEqual([created.body.id]);
    expect((await outsider.get(`/connections/${created.body.id}`)).status).toBe(404);
    expect((await team.members.reader!.patch(`/connections/${created.body.id}`, { name: "x" })).status).toBe(403);
  });

  it("refuses a schedule that is not an interval of 5 minutes to 31 days or a valid cron expression", async () => {
    const team = await teamWith(api, { writer: "Write" });
    const post = (schedule: unknown) =>
      team.members.writer!.post(`/imodels/${team.imodelId}/connections`, { name: "c", files, schedule });
    const tooOften = await post({ every: "PT1M" });
    expect(tooOften.status).toBe(400);
    expect(tooOften.body.error.details.fields[0].field).toBe("body.schedule");
    expect((await post({ cron: "99 * * * *" })).status).toBe(400);
    expect((await post({ every: "P1D", cron: "0 0 * * *" })).status).toBe(400);
    expect((await post({ cron: "0 6 * * 1-5" })).status).toBe(201);
  });
});

const runOf = async (client: Client, runId: string) => (await client.get(`/runs/${runId}`)).body;

describe("runs", () => {
  it("appends one changeset for the files changed since the last successful run, and none when nothing changed", async () => {
    const team = await teamWith(api, { owner: "Write", reader: "Read" });
    const owner = team.members.owner!;
    const { body: connection } = await owner.post(`/imodels/${team.imodelId}/connections`, { name: "c", files });

    // A manual run answers queued and executes in the background (the test client waits for it).
    const first = await owner.post(`/connections/${connection.id}/runs`);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ state: "queued", ownerId: owner.userId });
    expect(await runOf(owner, first.body.id)).toMatchObject({
      state: "succeeded",
      ownerId: owner.userId,
      changesetIndex: 1,
      changedFiles: ["a.dgn", "b.dgn"],
    });

    const idle = await owner.post(`/connections/${connection.id}/runs`);
    expect((await runOf(owner, idle.body.id)).state).toBe("succeeded");
    expect((await runOf(owner, idle.body.id)).changesetIndex).toBeUndefined();

    expect((await owner.put(`/connections/${connection.id}/files/b.dgn`, { version: "2" })).body).toEqual({
      id: "b.dgn",
      name: "b.dgn",
      version: "2",
    });
    const third = await owner.post(`/connections/${connection.id}/runs`);
    expect(await runOf(owner, third.body.id)).toMatchObject({
      state: "succeeded",
      changesetIndex: 2,
      changedFiles: ["b.dgn"],
    });

    const timeline = await team.members.reader!.get(`/imodels/${team.imodelId}/changesets`);
    expect(timeline.body.items.map((c: { index: number }) => c.index)).toEqual([1, 2]);
    expect(timeline.body.items[1].pushedBy).toBe(owner.userId);

    const runs = await team.members.reader!.get(`/connections/${connection.id}/runs`);
    expect(runs.body.items.map((r: { id: string }) => r.id)).toEqual([third.body.id, idle.body.id, first.body.id]);
    expect((await team.members.reader!.get(`/runs/${first.body.id}`)).body.state).toBe("succeeded");
    expect((await team.members.reader!.post(`/connections/${connection.id}/runs`)).status).toBe(403);
  });

  it("answers a manual run queued before it executes, and refuses a second start until the background finishes it", async () => {
    // An app whose background jobs wait here until the test lets them go.
    const held: Job[] = [];
    const app = makeApp({ jobs: { enqueue: async (job) => void held.push(job) } });
    const slow = await startApi({ app });
    try {
      const team = await teamWith(slow, { owner: "Write" });
      const owner = team.members.owner!;
      const { body: connection } = await owner.post(`/imodels/${team.imodelId}/connections`, { name: "c", files });
      const queued = await owner.post(`/connections/${connection.id}/runs`);
      expect(queued.status).toBe(201);
      expect(queued.body.state).toBe("queued");
      expect(held).toEqual([{ kind: "executeRun", run: expect.objectContaining({ id: queued.body.id }) }]);
      // The token was renewed in the transaction that queued the run.
      expect((await owner.get("/me/sync-token")).body.status).toBe("valid");

      const second = await owner.post(`/connections/${connection.id}/runs`);
      expect(second.status).toBe(409);
      expect(second.body.error.details.activeRunId).toBe(queued.body.id);

      await app.work(held.shift()!);
      expect(await runOf(owner, queued.body.id)).toMatchObject({ state: "succeeded", changesetIndex: 1 });
      // Doing the same job again (a retried invoke) changes nothing.
      await app.work({ kind: "executeRun", run: queued.body });
      expect((await owner.get(`/imodels/${team.imodelId}/changesets`)).body.items).toHaveLength(1);
      expect((await owner.post(`/connections/${connection.id}/runs`)).status).toBe(201);
    } finally {
      await slow.close();
    }
  });

  it("renews the owner's token when the owner starts a run manually", async () => {
    const team = await teamWith(api, { owner: "Write" });
    const owner = team.members.owner!;
    expect((await owner.get("/me/sync-token")).body).toEqual({ status: "unknown" });
    const { body: connection } = await owner.post(`/imodels/${team.imodelId}/connections`, { name: "c", files });
    await owner.post(`/connections/${connection.id}/runs`);
    const token = await owner.get("/me/sync-token");
    expect(token.body.status).toBe("valid");
    expect(JSON.stringify(token.body)).not.toMatch(/secret/i);
  });

  it("fails a run as OwnerTokenExpired when another member starts it for an owner without a token", async () => {
    const team = await teamWith(api, { owner: "Write", next: "Write", colleague: "Write" });
    const { body: connection } = await team.members.owner!.post(`/imodels/${team.imodelId}/connections`, {
      name: "c",
      files,
    });
    // Handed to a member who never made a synchronization request: their token stays unknown.
    expect(
      (await team.members.owner!.post(`/connections/${connection.id}/owner`, { userId: team.members.next!.userId }))
        .status,
    ).toBe(200);
    const run = await team.members.colleague!.post(`/connections/${connection.id}/runs`);
    expect(await runOf(team.members.colleague!, run.body.id)).toMatchObject({
      state: "failed",
      reason: "OwnerTokenExpired",
      ownerId: team.members.next!.userId,
    });
    // Starting the run was the colleague's own visit: their token, not the owner's, was issued.
    expect((await team.members.colleague!.get("/me/sync-token")).body.status).toBe("valid");
    expect((await team.members.next!.get("/me/sync-token")).body.status).toBe("unknown");
  });

  it("fails a run as OwnerLacksPermission when the owner no longer holds Write", async () => {
    const team = await teamWith(api, { owner: "Write", colleague: "Write" });
    const owner = team.members.owner!;
    const { body: connection } = await owner.post(`/imodels/${team.imodelId}/connections`, { name: "c", files });
    await owner.post("/me/sync-token");
    expect(
      (await team.admin.patch(`/itwins/${team.itwinId}/members/${owner.userId}`, { roles: ["Read"] })).status,
    ).toBe(200);
    const run = await team.members.colleague!.post(`/connections/${connection.id}/runs`);
    expect(await runOf(team.members.colleague!, run.body.id)).toMatchObject({
      state: "failed",
      reason: "OwnerLacksPermission",
    });
    // A failed run frees the connection for the next one.
    expect((await team.members.colleague!.post(`/connections/${connection.id}/runs`)).status).toBe(201);
  });
});

describe("ownership", () => {
  it("is handed on by the owner to a team member who interacted with the iModel, who is e-mailed and told their token state", async () => {
    const team = await teamWith(api, { owner: "Write", next: "Read", other: "Read" });
    const owner = team.members.owner!;
    const next = team.members.next!;
    const { body: connection } = await owner.post(`/imodels/${team.imodelId}/connections`, {
      name: "Plant sync",
      files,
    });

    const moved = await owner.post(`/connections/${connection.id}/owner`, { userId: next.userId });
    expect(moved.status).toBe(200);
    expect(moved.body.connection.ownerId).toBe(next.userId);
    expect(moved.body.newOwner).toMatchObject({ userId: next.userId, token: { status: "unknown" } });
    expect(moved.body.newOwner.advice).toMatch(/manually/);

    const mail = await mailTo(emailOf(next));
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toContain("Plant sync");
    expect(mail[0]!.text).toContain("start a run manually");
    expect(mail[0]!.html).toContain("<p");

    // The former owner is no longer the owner, so may not hand it on again (taking it back is a take, allowed).
    expect(
      (await owner.post(`/connections/${connection.id}/owner`, { userId: team.members.other!.userId })).status,
    ).toBe(403);
  });

  it("refuses a new owner who never interacted with the iModel, or who is not in the team", async () => {
    const team = await teamWith(api, { owner: "Write" });
    const { members, admin } = await teamWith(api, { stranger: "Write" });
    const owner = team.members.owner!;
    const { body: connection } = await owner.post(`/imodels/${team.imodelId}/connections`, { name: "c", files });

    const silent = await api.as(uniqueUser("silent"));
    await team.admin.post(`/organizations/${team.orgId}/members`, {
      userId: silent.userId,
      email: emailOf(silent),
      role: "Developer",
    });
    await team.admin.post(`/itwins/${team.itwinId}/members`, { userId: silent.userId, roles: ["Write"] });
    const never = await owner.post(`/connections/${connection.id}/owner`, { userId: silent.userId });
    expect(never.status).toBe(409);
    expect(never.body.error.code).toBe("NewOwnerNeverInteracted");

    const notInTeam = await owner.post(`/connections/${connection.id}/owner`, { userId: members.stranger!.userId });
    expect(notInTeam.status).toBe(409);
    expect(notInTeam.body.error.code).toBe("NewOwnerNotTeamMember");
    void admin;
  });

  it("lets a Manage holder hand on someone else's connection, but not a Write holder", async () => {
    const team = await teamWith(api, { owner: "Write", manager: "Manage", writer: "Write" });
    const { body: connection } = await team.members.owner!.post(`/imodels/${team.imodelId}/connections`, {
      name: "c",
      files,
    });
    expect(
      (await team.members.writer!.post(`/connections/${connection.id}/owner`, { userId: team.members.manager!.userId }))
        .status,
    ).toBe(403);
    const moved = await team.members.manager!.post(`/connections/${connection.id}/owner`, {
      userId: team.members.writer!.userId,
    });
    expect(moved.status).toBe(200);
    expect(moved.body.connection.ownerId).toBe(team.members.writer!.userId);
  });

  it("is taken by any team member who interacted, View included, and the original owner is e-mailed", async () => {
    const team = await teamWith(api, { owner: "Write", taker: "Write", viewer: "View" });
    const owner = team.members.owner!;
    const { body: connection } = await owner.post(`/imodels/${team.imodelId}/connections`, { name: "Line 4", files });
    const byViewer = await team.members.viewer!.post(`/connections/${connection.id}/owner:take`);
    expect(byViewer.status).toBe(200);
    expect(byViewer.body.warnings.map((w: { code: string }) => w.code)).toEqual(["OwnerLacksWrite"]);
    const taken = await team.members.taker!.post(`/connections/${connection.id}/owner:take`);
    expect(taken.status).toBe(200);
    expect(taken.body.connection.ownerId).toBe(team.members.taker!.userId);
    expect(taken.body.warnings).toEqual([]);
    const mail = await mailTo(emailOf(owner));
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toContain("took ownership");
    expect((await mailTo(emailOf(team.members.viewer!))).map((m) => m.subject)).toEqual([
      expect.stringContaining("took ownership"),
    ]);
    expect(await mailTo(emailOf(team.members.taker!))).toHaveLength(0);
  });

  it("never changes while a run is active, and never both wins a race with a run start", async () => {
    // 50 take requests from 25 members and one run start, all at once.
    const team = await teamWith(
      api,
      Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`t${i}`, "Write" as const])),
    );
    const takers = Object.values(team.members);
    const owner = takers[0]!;
    await owner.post("/me/sync-token");
    // The run start may itself lose the race (a take moved the connection between its read and its
    // transaction: 409). That is allowed, but it leaves nothing to check, so the race is run again on a
    // fresh connection until the run was queued at least once.
    let connection: { id: string } | undefined;
    let takes: Reply[] = [];
    for (let attempt = 1; ; attempt++) {
      connection = (await owner.post(`/imodels/${team.imodelId}/connections`, { name: `c${attempt}`, files })).body;
      const [run, ...answers] = await Promise.all([
        owner.post(`/connections/${connection!.id}/runs`),
        ...takers.slice(1).map((t) => t.post(`/connections/${connection!.id}/owner:take`)),
        ...takers.slice(1).map((t) => t.post(`/connections/${connection!.id}/owner:take`)),
      ]);
      expect([run!, ...answers].filter((a) => a.status >= 500)).toEqual([]);
      takes = answers;
      if (run!.status === 201) break;
      expect(run!.status).toBe(409);
      expect(attempt, "the run start never won its race in 5 attempts").toBeLessThan(5);
    }
    for (const refused of takes.filter((t) => t.status !== 200)) {
      expect(refused.status).toBe(409);
      expect(["RunInProgress", "ConcurrentChange", "AlreadyOwner"]).toContain(refused.body.error.code);
    }

    // The invariant, in commit order: every change moves the connection's version, and no ownership
    // change lies between the version a run was queued at and the one it finished at.
    const { owners, runs } = await historyOf(connection!.id);
    expect(runs.length).toBeGreaterThan(0);
    for (const r of runs) {
      expect(r.finishedVersion).toBeGreaterThan(r.queuedVersion);
      expect(owners.filter((o) => o.version > r.queuedVersion && o.version < r.finishedVersion)).toEqual([]);
      expect(r.ownerId).toBe(owners.filter((o) => o.version < r.queuedVersion).at(-1)!.userId);
    }
    const after = await owner.get(`/connections/${connection!.id}`);
    expect(after.body.ownerId).toBe(owners.at(-1)!.userId);
    expect(takes.filter((t) => t.status === 200).length).toBe(owners.length - 1);
  });
});

/** The ownership history and the runs' versions are internal; tests read them straight from the table. */
async function historyOf(connectionId: string) {
  const ddb = makeDocumentClient({ region: "local", endpoint: inject("dynamodbEndpoint") });
  const table = process.env.TABLE_NAME!;
  const conn = await ddb.send(
    new GetCommand({
      TableName: table,
      Key: keys.connection(imodelOfConnection(connectionId)!, connectionId),
      ConsistentRead: true,
    }),
  );
  const entries = await ddb.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :run)",
      ExpressionAttributeValues: { ":pk": `CONN#${connectionId}`, ":run": "RUN#" },
    }),
  );
  const runs = await Promise.all(
    (entries.Items ?? []).map(
      async (e) =>
        (await ddb.send(new GetCommand({ TableName: table, Key: { pk: `RUN#${e.runId}`, sk: "RUN" } }))).Item!,
    ),
  );
  return {
    owners: conn.Item!.owners as { userId: string; from: string; version: number }[],
    runs: runs as { ownerId: string; queuedVersion: number; finishedVersion: number }[],
  };
}

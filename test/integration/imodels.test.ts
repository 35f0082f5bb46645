// iModel permissions through the real handlers and DynamoDB Local: the operation table for every level, per-iModel lists, the one-request check and interaction records.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { makeApp } from "../../shared/app";
import { config } from "../../shared/config";
import type { Imodel } from "../../shared/domain/imodel";
import {
  imodelOperations,
  levelPermissions,
  levels,
  operationRules,
  type ImodelOperation,
  type Level,
} from "../../shared/domain/permissions";
import { makeDocumentClient } from "../../shared/store/client";
import { DynamoTimelineStore } from "../../shared/store/timeline";
import { startApi, type Client, type Reply, type TestApi } from "../support/api";
import { imodelIn, teamWith, type TestTeam } from "../support/itwins";
import { orgWith } from "../support/orgs";

let api: TestApi;
/** This file's table (test/support/env.ts), for seeding what HTTP cannot. */
const table = () => ({
  ddb: makeDocumentClient({ region: "local", endpoint: inject("dynamodbEndpoint") }),
  tableName: config.TABLE_NAME,
});

beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

/**
 * A document client that records the name of every request it sends (retries included), and the number of keys of
 * every BatchGetItem, read from the request body itself.
 */
function countingClient() {
  const ddb = makeDocumentClient({ region: "local", endpoint: inject("dynamodbEndpoint") });
  const calls: string[] = [];
  const batches: number[] = [];
  ddb.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push(String(context.commandName));
      if (context.commandName === "BatchGetItemCommand") {
        const body = JSON.parse(String((args.request as { body: string }).body));
        batches.push(Object.values(body.RequestItems as Record<string, { Keys: unknown[] }>)[0]!.Keys.length);
      }
      return next(args);
    },
    { step: "finalizeRequest", priority: "low", name: "countRequests" },
  );
  return { ddb, calls, batches };
}

const caller = (userId: string) => ({ userId, signedInAt: new Date() });

describe("the operation table, level by level, through HTTP", () => {
  /** Everything a cell needs: a fresh iModel with a named version, the Administrator's briefcase holding a lock, and one of the caller's. */
  interface Cell {
    team: TestTeam;
    caller: Client;
    imodelId: string;
    namedVersionId: string;
    adminBriefcaseId: string;
    ownBriefcaseId: string;
  }

  /** How each operation is performed over HTTP; the Record type makes an operation without a way to test it a compile error. */
  const perform: Record<ImodelOperation, (c: Cell) => Promise<Reply>> = {
    readIModel: (c) => c.caller.get(`/imodels/${c.imodelId}`),
    createIModel: (c) => c.caller.post(`/itwins/${c.team.itwinId}/imodels`, { name: "Another" }),
    deleteIModel: (c) => c.caller.delete(`/imodels/${c.imodelId}`),
    renameIModel: (c) => c.caller.patch(`/imodels/${c.imodelId}`, { name: "Renamed" }),
    // The iModel gets a list first that gives the caller what their level gives (Delete is Manage on a list).
    readAccess: async (c) => {
      const level = levels.find((l) => c.team.members[l] === c.caller);
      const listed = level ? [{ userId: c.caller.userId, roles: [level === "Delete" ? "Manage" : level] }] : [];
      const put = await c.team.admin.put(`/imodels/${c.imodelId}/access`, {
        members: [{ userId: c.team.admin.userId, roles: ["Manage"] }, ...listed],
      });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      return c.caller.get(`/imodels/${c.imodelId}/access`);
    },
    setAccess: (c) =>
      c.caller.put(`/imodels/${c.imodelId}/access`, {
        members: [
          { userId: c.team.admin.userId, roles: ["Manage"] },
          { userId: c.caller.userId, roles: ["Read"] },
        ],
      }),
    clearAccess: (c) => c.caller.delete(`/imodels/${c.imodelId}/access`),
    createBriefcase: (c) => c.caller.post(`/imodels/${c.imodelId}/briefcases`),
    listChangesets: (c) => c.caller.get(`/imodels/${c.imodelId}/changesets`),
    pushChangeset: (c) => c.caller.post(`/imodels/${c.imodelId}/changesets`, { description: "More beams" }),
    listNamedVersions: (c) => c.caller.get(`/imodels/${c.imodelId}/named-versions`),
    createNamedVersion: (c) => c.caller.post(`/imodels/${c.imodelId}/named-versions`, { name: "Milestone" }),
    modifyNamedVersion: (c) => c.caller.patch(`/named-versions/${c.namedVersionId}`, { name: "Renamed" }),
    listLocks: (c) => c.caller.get(`/imodels/${c.imodelId}/locks`),
    releaseOwnLocks: (c) => c.caller.delete(`/imodels/${c.imodelId}/locks/${c.ownBriefcaseId}`),
    readAudit: (c) => c.caller.get(`/imodels/${c.imodelId}/audit`),
    releaseLocks: (c) => c.caller.delete(`/imodels/${c.imodelId}/locks/${c.adminBriefcaseId}`),
  };

  let team: TestTeam;
  let stranger: Client;
  const timeline = () => new DynamoTimelineStore(table());

  beforeAll(async () => {
    team = await teamWith(api, Object.fromEntries(levels.map((l) => [l, [l]])), ["outsider"]);
    stranger = (await orgWith(api)).admin;
  });

  async function cell(who: Client): Promise<Cell> {
    const imodelId = await imodelIn(team.admin, team.itwinId);
    const [version, briefcase] = await Promise.all([
      team.admin.post(`/imodels/${imodelId}/named-versions`, { name: "Baseline" }),
      team.admin.post(`/imodels/${imodelId}/briefcases`),
    ]);
    const pushed = await team.admin.post(`/imodels/${imodelId}/changesets`, {
      briefcaseId: briefcase.body.id,
      locks: ["0x20000000001"],
    });
    expect(pushed.status).toBe(201);
    // The caller's own briefcase is seeded through the store: View cannot acquire one over HTTP, yet its release must still be judged.
    const imodel = { id: imodelId, itwinId: team.itwinId, changesetCount: 1 } as Imodel;
    const own = {
      id: `bc_own${Math.random().toString(36).slice(2, 10)}`,
      imodelId,
      ownerId: who.userId,
      createdAt: new Date().toISOString(),
    };
    await timeline().createBriefcase(imodel, own);
    await timeline().push(
      imodel,
      { id: "cs_seed", imodelId, pushedBy: who.userId, pushedAt: own.createdAt },
      { briefcaseId: own.id, ownerId: who.userId, objectIds: ["0x20000000002"] },
      false,
    );
    return {
      team,
      caller: who,
      imodelId,
      namedVersionId: version.body.id,
      adminBriefcaseId: briefcase.body.id,
      ownBriefcaseId: own.id,
    };
  }

  /** Operations that change who may do what (or remove the iModel) get an iModel of their own; the others share one per caller. */
  const isolated: ImodelOperation[] = ["deleteIModel", "setAccess", "readAccess"];
  const shared = new Map<Client, Promise<Cell>>();
  const fixtureFor = (who: Client, operation: ImodelOperation) => {
    if (isolated.includes(operation)) return cell(who);
    if (!shared.has(who)) shared.set(who, cell(who));
    return shared.get(who)!;
  };

  const cells = [...levels, "outsider" as const, "stranger" as const].flatMap((who) =>
    imodelOperations.map((operation) => ({ who, operation })),
  );

  const expectation = (who: Level | "outsider" | "stranger", operation: ImodelOperation) =>
    who === "outsider" || who === "stranger"
      ? "404"
      : levelPermissions[who].includes(operationRules[operation].needs)
        ? "2xx"
        : "403";

  it.concurrent.each(cells.map((c) => [`${c.who}: ${c.operation} -> ${expectation(c.who, c.operation)}`, c] as const))(
    "%s",
    async (_name, { who, operation }) => {
      const client = who === "stranger" ? stranger : who === "outsider" ? team.outsiders.outsider! : team.members[who]!;
      const reply = await perform[operation](await fixtureFor(client, operation));
      const got = reply.status >= 200 && reply.status < 300 ? "2xx" : String(reply.status);
      expect(got, JSON.stringify(reply.body)).toBe(expectation(who, operation));
    },
  );

  it.concurrent.each(levels)("answers a %s member's effective permissions as the level's set", async (level) => {
    const imodelId = await imodelIn(team.admin, team.itwinId);
    const reply = await team.members[level]!.get(`/imodels/${imodelId}/permissions`);
    expect(reply.status).toBe(200);
    expect(reply.body.permissions).toEqual(levelPermissions[level]);
  });

  it("answers 404 for the permissions of someone outside the iTwin, and for ids that are no iModel", async () => {
    const imodelId = await imodelIn(team.admin, team.itwinId);
    expect((await team.outsiders.outsider!.get(`/imodels/${imodelId}/permissions`)).status).toBe(404);
    expect((await stranger.get(`/imodels/${imodelId}/permissions`)).status).toBe(404);
    expect((await team.admin.get(`/imodels/imd_doesnotexist`)).status).toBe(404);
    expect((await team.admin.patch(`/named-versions/nv_doesnotexist`, { name: "x" })).status).toBe(404);
  });
});

describe("per-iModel access lists", () => {
  it("grant: a View member listed with Manage works on that iModel only, and still cannot delete it", async () => {
    const t = await teamWith(api, { viewer: ["View"] });
    const [listed, other] = [await imodelIn(t.admin, t.itwinId), await imodelIn(t.admin, t.itwinId)];
    const viewer = t.members.viewer!;
    const put = await t.admin.put(`/imodels/${listed}/access`, {
      members: [{ userId: viewer.userId, roles: ["Manage"] }],
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      imodelId: listed,
      ownAccessList: true,
      members: [{ userId: viewer.userId, roles: ["Manage"], permissions: levelPermissions.Manage }],
    });

    expect((await viewer.get(`/imodels/${listed}/permissions`)).body.permissions).toEqual(levelPermissions.Manage);
    expect((await viewer.post(`/imodels/${listed}/changesets`, {})).status).toBe(201);
    expect((await viewer.post(`/imodels/${other}/changesets`, {})).status).toBe(403);
    expect((await viewer.delete(`/imodels/${listed}`)).status).toBe(403);
    expect((await viewer.post(`/itwins/${t.itwinId}/imodels`, { name: "Mine" })).status).toBe(403);
  });

  it("restrict: only the list applies, so members left off it lose the iModel and listed ones keep only what it gives", async () => {
    const t = await teamWith(api, { manager: ["Manage"], writer: ["Write"], deleter: ["Delete"] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const { manager, writer, deleter } = t.members as Record<string, Client>;
    const put = await t.admin.put(`/imodels/${imodelId}/access`, {
      members: [
        { userId: t.admin.userId, roles: ["Manage"] },
        { userId: manager!.userId, roles: ["Read"] },
        { userId: deleter!.userId, roles: ["View"] },
      ],
    });
    expect(put.status).toBe(200);

    expect((await manager!.post(`/imodels/${imodelId}/changesets`, {})).status).toBe(403);
    expect((await manager!.post(`/imodels/${imodelId}/briefcases`)).status).toBe(201);
    expect((await writer!.get(`/imodels/${imodelId}`)).status).toBe(403);
    expect((await writer!.get(`/imodels/${imodelId}/permissions`)).body.permissions).toEqual([]);
    const listed = await writer!.get(`/itwins/${t.itwinId}/imodels`);
    expect(listed.body.items.map((m: { id: string }) => m.id)).not.toContain(imodelId);
    // Permissions stay cumulative: Delete from the iTwin counts only where the list gives Manage.
    expect((await deleter!.get(`/imodels/${imodelId}/permissions`)).body.permissions).toEqual(["imodels_webview"]);
    expect((await deleter!.delete(`/imodels/${imodelId}`)).status).toBe(403);
    expect((await t.admin.get(`/imodels/${imodelId}`)).status).toBe(200);
  });

  it("stops a Delete holder from deleting an iModel its own list lets them not read or not manage (cumulative permissions)", async () => {
    const t = await teamWith(api, { offList: ["Delete"], reader: ["Delete"], manager: ["Delete"] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const { offList, reader, manager } = t.members as Record<string, Client>;
    const put = await t.admin.put(`/imodels/${imodelId}/access`, {
      members: [
        { userId: t.admin.userId, roles: ["Manage"] },
        { userId: reader!.userId, roles: ["Read"] },
        { userId: manager!.userId, roles: ["Manage"] },
      ],
    });
    expect(put.status).toBe(200);

    // Left off the list: nothing at all, so no delete either (it was ["imodels_delete"] and a 204).
    expect((await offList!.get(`/imodels/${imodelId}/permissions`)).body.permissions).toEqual([]);
    expect((await offList!.delete(`/imodels/${imodelId}`)).status).toBe(403);
    // Listed below Manage: what the list gives, no delete.
    expect((await reader!.get(`/imodels/${imodelId}/permissions`)).body.permissions).toEqual(levelPermissions.Read);
    const refused = await reader!.delete(`/imodels/${imodelId}`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain("imodels_delete");
    // Listed with Manage: the iTwin's Delete counts, and the answered set is the whole cumulative Delete level.
    expect((await manager!.get(`/imodels/${imodelId}/permissions`)).body.permissions).toEqual(levelPermissions.Delete);
    expect((await manager!.delete(`/imodels/${imodelId}`)).status).toBe(204);
    expect((await t.admin.get(`/imodels/${imodelId}`)).status).toBe(404);
  });

  it("applies from the very next request, and clearing it brings the iTwin's roles back", async () => {
    const t = await teamWith(api, { writer: ["Write"] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const writer = t.members.writer!;
    expect((await writer.post(`/imodels/${imodelId}/changesets`, {})).status).toBe(201);
    await t.admin.put(`/imodels/${imodelId}/access`, {
      members: [
        { userId: t.admin.userId, roles: ["Manage"] },
        { userId: writer.userId, roles: ["View"] },
      ],
    });
    expect((await writer.post(`/imodels/${imodelId}/changesets`, {})).status).toBe(403);
    expect((await t.admin.delete(`/imodels/${imodelId}/access`)).status).toBe(204);
    expect((await writer.post(`/imodels/${imodelId}/changesets`, {})).status).toBe(201);
    expect((await t.admin.get(`/imodels/${imodelId}`)).body.ownAccessList).toBe(false);
  });

  it("replaces the whole list: users left off a new list lose their entries", async () => {
    const t = await teamWith(api, { a: ["View"], b: ["View"] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const { a, b } = t.members as Record<string, Client>;
    await t.admin.put(`/imodels/${imodelId}/access`, {
      members: [
        { userId: t.admin.userId, roles: ["Manage"] },
        { userId: a!.userId, roles: ["Write"] },
      ],
    });
    await t.admin.put(`/imodels/${imodelId}/access`, {
      members: [
        { userId: t.admin.userId, roles: ["Manage"] },
        { userId: b!.userId, roles: ["Write"] },
      ],
    });
    expect((await a!.get(`/imodels/${imodelId}/permissions`)).body.permissions).toEqual([]);
    expect((await b!.get(`/imodels/${imodelId}/permissions`)).body.permissions).toEqual(levelPermissions.Write);
  });

  it("does not give an old grant back to someone removed from the team and added again", async () => {
    const t = await teamWith(api, { viewer: ["View"] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const viewer = t.members.viewer!;
    await t.admin.put(`/imodels/${imodelId}/access`, {
      members: [
        { userId: t.admin.userId, roles: ["Manage"] },
        { userId: viewer.userId, roles: ["Write"] },
      ],
    });
    expect((await t.admin.delete(`/itwins/${t.itwinId}/members/${viewer.userId}`)).status).toBe(204);
    expect((await viewer.get(`/imodels/${imodelId}`)).status).toBe(404);
    expect(
      (await t.admin.post(`/itwins/${t.itwinId}/members`, { userId: viewer.userId, roles: ["View"] })).status,
    ).toBe(201);
    expect((await viewer.get(`/imodels/${imodelId}/permissions`)).body.permissions).toEqual([]);
  });

  it("takes custom roles, cut to View..Manage", async () => {
    const t = await teamWith(api, { x: ["View"] });
    const role = await t.admin.post(`/itwins/${t.itwinId}/roles`, {
      name: "Everything",
      permissions: ["imodels_delete", "team_manage"],
    });
    expect(role.status).toBe(201);
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const put = await t.admin.put(`/imodels/${imodelId}/access`, {
      members: [{ userId: t.members.x!.userId, roles: [role.body.id] }],
    });
    expect(put.status).toBe(200);
    expect(put.body.members[0].permissions).toEqual(levelPermissions.Manage);
  });

  it("refuses lists nobody could change again, Delete, users off the team, unknown roles, and Test iTwins", async () => {
    const t = await teamWith(api, { viewer: ["View"] }, ["outsider"]);
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const put = (members: unknown) => t.admin.put(`/imodels/${imodelId}/access`, { members });
    const noManager = await put([{ userId: t.members.viewer!.userId, roles: ["Write"] }]);
    expect(noManager.status).toBe(409);
    expect(noManager.body.error.code).toBe("AccessListWithoutManager");
    expect((await put([{ userId: t.admin.userId, roles: ["Delete"] }])).status).toBe(400);
    const outside = await put([
      { userId: t.admin.userId, roles: ["Manage"] },
      { userId: t.outsiders.outsider!.userId, roles: ["View"] },
    ]);
    expect(outside.status).toBe(409);
    expect(outside.body.error.code).toBe("NotTeamMember");
    expect((await put([{ userId: t.admin.userId, roles: ["role_unknown"] }])).status).toBe(400);
    expect(
      (
        await put([
          { userId: t.admin.userId, roles: ["Manage"] },
          { userId: t.admin.userId, roles: ["View"] },
        ])
      ).status,
    ).toBe(400);

    const sandbox = await t.admin.post(`/organizations/${t.orgId}/test-itwins`, { name: "Sandbox" });
    const testModel = await imodelIn(t.admin, sandbox.body.id);
    const refused = await t.admin.put(`/imodels/${testModel}/access`, {
      members: [{ userId: t.admin.userId, roles: ["Manage"] }],
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("TestItwinAccess");
  });
});

describe("the permission check", () => {
  it("makes exactly one DynamoDB request: one BatchGetItem (once today's interaction is recorded)", async () => {
    const t = await teamWith(api, { writer: ["Write"] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    await t.admin.put(`/imodels/${imodelId}/access`, {
      members: [
        { userId: t.admin.userId, roles: ["Manage"] },
        { userId: t.members.writer!.userId, roles: ["Read"] },
      ],
    });
    // Asking is an interaction: recorded by the first question of the day, as any other request's.
    await t.members.writer!.get(`/imodels/${imodelId}/permissions`);
    const { ddb, calls } = countingClient();
    const app = makeApp({ ddb });
    for (const userId of [t.members.writer!.userId, t.admin.userId]) {
      calls.length = 0;
      const answer = await app.imodels.permissions(caller(userId), imodelId);
      expect(calls).toEqual(["BatchGetItemCommand"]);
      expect(answer.permissions.length).toBeGreaterThan(0);
    }
  });

  it("adds no write to a request once today's interaction is recorded", async () => {
    const t = await teamWith(api, { reader: ["Read"] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    let now = new Date("2030-03-01T10:00:00Z");
    const { ddb, calls } = countingClient();
    const app = makeApp({ ddb, clock: { now: () => now } });
    const reader = caller(t.members.reader!.userId);

    calls.length = 0;
    await app.imodels.get(reader, imodelId);
    expect(calls).toEqual(["BatchGetItemCommand", "UpdateItemCommand"]);
    calls.length = 0;
    await app.imodels.get(reader, imodelId);
    await app.timeline.listChangesets(reader, imodelId, { limit: 10 });
    // The list sends its check and its Query at once, in either order.
    expect([calls[0], ...calls.slice(1).sort()]).toEqual([
      "BatchGetItemCommand",
      "BatchGetItemCommand",
      "QueryCommand",
    ]);

    now = new Date("2030-03-02T00:00:01Z");
    calls.length = 0;
    await app.imodels.get(reader, imodelId);
    expect(calls).toEqual(["BatchGetItemCommand", "UpdateItemCommand"]);
  });
});

describe("the read of a caller whose interaction this instance knows is today's", () => {
  it("leaves the interaction record out (5 keys, not 6) on repeat checks of the day, and reads and writes it again the next day", async () => {
    const t = await teamWith(api, { reader: ["Read"] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    let now = new Date("2031-05-01T09:00:00Z");
    const { ddb, batches } = countingClient();
    const app = makeApp({ ddb, clock: { now: () => now } });
    const reader = caller(t.members.reader!.userId);

    await app.imodels.permissions(reader, imodelId);
    await app.imodels.permissions(reader, imodelId);
    await app.imodels.get(reader, imodelId);
    expect(batches).toEqual([6, 5, 5]);
    expect(await app.imodels.hasInteracted(imodelId, reader.userId)).toBe(true);

    // A new day: the record is read again and today's is written.
    now = new Date("2031-05-02T00:00:01Z");
    batches.length = 0;
    const { ddb: counting, calls } = countingClient();
    const next = makeApp({ ddb: counting, clock: { now: () => now } });
    await next.imodels.get(reader, imodelId);
    expect(calls).toEqual(["BatchGetItemCommand", "UpdateItemCommand"]);
    await app.imodels.get(reader, imodelId);
    await app.imodels.get(reader, imodelId);
    expect(batches).toEqual([6, 5]);
  });

  it("still answers a removed member 404 after their reads left the interaction record out", async () => {
    const t = await teamWith(api, { reader: ["Read"], gone: ["Read"] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const { ddb, batches } = countingClient();
    const app = makeApp({ ddb });
    const gone = caller(t.members.gone!.userId);
    await app.imodels.get(gone, imodelId);
    await app.imodels.get(gone, imodelId);
    expect(batches).toEqual([6, 5]);
    expect((await t.admin.delete(`/organizations/${t.orgId}/members/${gone.userId}`)).status).toBe(204);
    await expect(app.imodels.get(gone, imodelId)).rejects.toMatchObject({ status: 404 });
    await expect(app.imodels.permissions(gone, imodelId)).rejects.toMatchObject({ status: 404 });
  });
});

describe("interaction records", () => {
  it("exist after a successful request or a permissions query, and not after a refused one", async () => {
    const t = await teamWith(api, { reader: ["Read"], viewer: ["View"], asker: ["Read"] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const app = makeApp();
    const { reader, viewer, asker } = t.members as Record<string, Client>;
    expect(await app.imodels.hasInteracted(imodelId, reader!.userId)).toBe(false);

    expect((await reader!.post(`/imodels/${imodelId}/briefcases`)).status).toBe(201);
    expect((await viewer!.post(`/imodels/${imodelId}/briefcases`)).status).toBe(403);
    expect((await asker!.get(`/imodels/${imodelId}/permissions`)).status).toBe(200);

    expect(await app.imodels.hasInteracted(imodelId, reader!.userId)).toBe(true);
    expect(await app.imodels.hasInteracted(imodelId, viewer!.userId)).toBe(false);
    expect(await app.imodels.hasInteracted(imodelId, asker!.userId)).toBe(true);
    expect(await app.imodels.hasInteracted(imodelId, t.admin.userId)).toBe(true);
  });

  it("is answered with one GetItem", async () => {
    const t = await teamWith(api, {});
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const { ddb, calls } = countingClient();
    expect(await makeApp({ ddb }).imodels.hasInteracted(imodelId, t.admin.userId)).toBe(true);
    expect(calls).toEqual(["GetItemCommand"]);
  });
});

describe("iModels", () => {
  it("lists only the iModels the caller may view, page by page, completely", async () => {
    const t = await teamWith(api, { viewer: ["View"], writer: ["Write"] });
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await imodelIn(t.admin, t.itwinId, `Model ${i}`));
    const { viewer, writer } = t.members as Record<string, Client>;
    // Two iModels get lists that leave the viewer off.
    for (const id of [ids[1], ids[3]]) {
      await t.admin.put(`/imodels/${id}/access`, {
        members: [
          { userId: t.admin.userId, roles: ["Manage"] },
          { userId: writer!.userId, roles: ["Read"] },
        ],
      });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await viewer!.get(`/itwins/${t.itwinId}/imodels?limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.body.items.map((m: { id: string }) => m.id));
      cursor = page.body.next;
    } while (cursor);
    expect(seen.sort()).toEqual([ids[0], ids[2], ids[4]].sort());
    expect((await writer!.get(`/itwins/${t.itwinId}/imodels`)).body.items).toHaveLength(5);
  });

  it("answers the iModel created first when a create is retried with the same Idempotency-Key", async () => {
    const t = await teamWith(api, {});
    const first = await t.admin.post(`/itwins/${t.itwinId}/imodels`, { name: "Once" }, { "idempotency-key": "m-1" });
    const retry = await t.admin.post(`/itwins/${t.itwinId}/imodels`, { name: "Once" }, { "idempotency-key": "m-1" });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(first.body.id).toMatch(/^imd_/);
  });

  it("deletes an iModel with everything it holds", async () => {
    const t = await teamWith(api, {});
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const version = await t.admin.post(`/imodels/${imodelId}/named-versions`, { name: "v1" });
    expect((await t.admin.delete(`/imodels/${imodelId}`)).status).toBe(204);
    expect((await t.admin.get(`/imodels/${imodelId}`)).status).toBe(404);
    expect((await t.admin.patch(`/named-versions/${version.body.id}`, { name: "v2" })).status).toBe(404);
    expect((await t.admin.post(`/imodels/${imodelId}/changesets`, {})).status).toBe(404);
  });
});

describe("the changeset timeline", () => {
  it("gives concurrent pushes distinct indexes without gaps", async () => {
    const t = await teamWith(api, {});
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const pushes = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t.admin.post(`/imodels/${imodelId}/changesets`, { description: `push ${i}` }),
      ),
    );
    expect(pushes.map((p) => p.status)).toEqual(Array(8).fill(201));
    expect(pushes.map((p) => p.body.index).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const timeline = await t.admin.get(`/imodels/${imodelId}/changesets`);
    expect(timeline.body.items.map((c: { index: number }) => c.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect((await t.admin.get(`/imodels/${imodelId}`)).body.changesetCount).toBe(8);
  });

  it("answers the changeset pushed first when a push is retried with the same Idempotency-Key", async () => {
    const t = await teamWith(api, {});
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const first = await t.admin.post(
      `/imodels/${imodelId}/changesets`,
      { description: "once" },
      { "idempotency-key": "p-1" },
    );
    const retry = await t.admin.post(
      `/imodels/${imodelId}/changesets`,
      { description: "once" },
      { "idempotency-key": "p-1" },
    );
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect((await t.admin.get(`/imodels/${imodelId}/changesets`)).body.items).toHaveLength(1);
  });

  it("names versions of the timeline and lets Write modify them", async () => {
    const t = await teamWith(api, { writer: ["Write"] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const writer = t.members.writer!;
    await writer.post(`/imodels/${imodelId}/changesets`, {});
    await writer.post(`/imodels/${imodelId}/changesets`, {});
    const latest = await writer.post(`/imodels/${imodelId}/named-versions`, {
      name: "Latest",
      description: "For review",
    });
    expect(latest.status).toBe(201);
    expect(latest.body).toMatchObject({ name: "Latest", changesetIndex: 2, description: "For review" });
    const baseline = await writer.post(`/imodels/${imodelId}/named-versions`, { name: "Empty", changesetIndex: 0 });
    expect(baseline.body.changesetIndex).toBe(0);
    const beyond = await writer.post(`/imodels/${imodelId}/named-versions`, { name: "Future", changesetIndex: 3 });
    expect(beyond.status).toBe(400);
    expect(beyond.body.error.details.fields[0].field).toBe("body.changesetIndex");

    const renamed = await writer.patch(`/named-versions/${latest.body.id}`, { name: "Approved", description: null });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe("Approved");
    expect(renamed.body.description).toBeUndefined();
    expect((await writer.get(`/imodels/${imodelId}/named-versions`)).body.items).toHaveLength(2);
  });
});

describe("briefcases and locks", () => {
  it("lets a briefcase hold the locks it pushed with, keeps others off them, and releases them", async () => {
    const t = await teamWith(api, { a: ["Write"], b: ["Write"], manager: ["Manage"] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const { a, b, manager } = t.members as Record<string, Client>;
    const briefcaseA = (await a!.post(`/imodels/${imodelId}/briefcases`)).body;
    const briefcaseB = (await b!.post(`/imodels/${imodelId}/briefcases`)).body;
    expect(briefcaseA).toMatchObject({ imodelId, ownerId: a!.userId });

    expect(
      (await a!.post(`/imodels/${imodelId}/changesets`, { briefcaseId: briefcaseA.id, locks: ["0x1", "0x2"] })).status,
    ).toBe(201);
    expect(
      (await a!.post(`/imodels/${imodelId}/changesets`, { briefcaseId: briefcaseA.id, locks: ["0x1"] })).status,
    ).toBe(201);
    const blocked = await b!.post(`/imodels/${imodelId}/changesets`, { briefcaseId: briefcaseB.id, locks: ["0x2"] });
    expect(blocked.status).toBe(409);
    expect(blocked.body.error).toMatchObject({
      code: "LockHeldByAnotherBriefcase",
      details: { objectId: "0x2", briefcaseId: briefcaseA.id },
    });
    const locks = await b!.get(`/imodels/${imodelId}/locks`);
    expect(locks.body.items.map((l: { objectId: string }) => l.objectId).sort()).toEqual(["0x1", "0x2"]);

    const notMine = await b!.post(`/imodels/${imodelId}/changesets`, { briefcaseId: briefcaseA.id });
    expect(notMine.status).toBe(409);
    expect(notMine.body.error.code).toBe("NotYourBriefcase");
    expect((await b!.delete(`/imodels/${imodelId}/locks/${briefcaseA.id}`)).status).toBe(403);

    expect((await manager!.delete(`/imodels/${imodelId}/locks/${briefcaseA.id}`)).status).toBe(204);
    expect((await b!.get(`/imodels/${imodelId}/locks`)).body.items).toEqual([]);
    expect(
      (await b!.post(`/imodels/${imodelId}/changesets`, { briefcaseId: briefcaseB.id, locks: ["0x2"] })).status,
    ).toBe(201);
    expect((await b!.delete(`/imodels/${imodelId}/locks/${briefcaseB.id}`)).status).toBe(204);
    expect((await b!.delete(`/imodels/${imodelId}/locks/bc_unknown`)).status).toBe(404);
  });

  it("releases more locks than one transaction holds, and leaves a lock another briefcase holds", async () => {
    const t = await teamWith(api, { a: ["Write"] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const a = t.members.a!;
    const briefcase = (await a.post(`/imodels/${imodelId}/briefcases`)).body;
    const other = (await t.admin.post(`/imodels/${imodelId}/briefcases`)).body;
    for (let push = 0; push < 3; push++) {
      const locks = Array.from({ length: 50 }, (_, i) => `0x${push}${String(i).padStart(3, "0")}`);
      expect((await a.post(`/imodels/${imodelId}/changesets`, { briefcaseId: briefcase.id, locks })).status).toBe(201);
    }
    expect(
      (await t.admin.post(`/imodels/${imodelId}/changesets`, { briefcaseId: other.id, locks: ["0xother"] })).status,
    ).toBe(201);
    const count = async () => {
      let total = 0;
      for (let cursor: string | undefined, first = true; first || cursor; first = false) {
        const page = await a.get(
          `/imodels/${imodelId}/locks?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        );
        total += page.body.items.length;
        cursor = page.body.next;
      }
      return total;
    };
    expect(await count()).toBe(151);
    expect((await a.delete(`/imodels/${imodelId}/locks/${briefcase.id}`)).status).toBe(204);
    expect(await count()).toBe(1);
    // Released locks can be taken by another briefcase; releasing again is harmless.
    expect(
      (await t.admin.post(`/imodels/${imodelId}/changesets`, { briefcaseId: other.id, locks: ["0x0000"] })).status,
    ).toBe(201);
    expect((await a.delete(`/imodels/${imodelId}/locks/${briefcase.id}`)).status).toBe(204);
    expect(await count()).toBe(2);
  });

  it("refuses locks without a briefcase", async () => {
    const t = await teamWith(api, {});
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const reply = await t.admin.post(`/imodels/${imodelId}/changesets`, { locks: ["0x1"] });
    expect(reply.status).toBe(400);
    expect(reply.body.error.details.fields[0].field).toBe("body.briefcaseId");
  });
});

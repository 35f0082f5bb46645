// Crafted input through HTTP (issue 13 point 6): keys asked twice, forged cursors, '#' and control characters in ids and names, and every collection that grows inside one item stopped at its cap.
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { advanceClock } from "../../shared/clock";
import { MAX_OWNERS } from "../../shared/domain/application";
import { MAX_CONNECTION_FILES } from "../../shared/domain/connection";
import { MAX_BRIEFCASE_LOCKS } from "../../shared/domain/imodel";
import { MAX_TEAMS_PER_ORGANIZATION } from "../../shared/domain/itwin";
import { config } from "../../shared/config";
import { makeDocumentClient } from "../../shared/store/client";
import { keys } from "../../shared/store/keys";
import { ROLE_HISTORY_CAP } from "../../shared/domain/role-history";
import { startApi, uniqueUser, type Reply, type TestApi } from "../support/api";
import { imodelIn, teamWith } from "../support/itwins";
import { orgWith } from "../support/orgs";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

/** A 400 whose details name `field` (the caller learns what to fix). */
function expectFieldRefused(reply: Reply, field: string) {
  expect(reply.status, JSON.stringify(reply.body)).toBe(400);
  expect(reply.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
}

const encode = (key: unknown) => Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
const decode = (cursor: string) =>
  JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Record<string, unknown>;

describe("keys asked twice in one read", () => {
  it("stops the 500 of an owner adding themselves again: the key is read once and the application answered", async () => {
    const { orgId, members } = await orgWith(api, { dev: "Developer", am: "ApplicationManager" });
    const app = await members.dev!.post(`/organizations/${orgId}/applications`, { name: "Viewer" });
    const again = await members.dev!.post(`/applications/${app.body.id}/owners`, { userId: members.dev!.userId });
    expect(again.status).toBeLessThan(300);
    expect(again.body.owners).toEqual([members.dev!.userId]);
    // A manager creator is listed too: adding themselves reads their member item twice as well, and is refused for what it is.
    const byManager = await members.am!.post(`/organizations/${orgId}/applications`, { name: "Console" });
    const self = await members.am!.post(`/applications/${byManager.body.id}/owners`, { userId: members.am!.userId });
    expect(self.status).toBe(409);
    expect(self.body.error.code).toBe("ImplicitOwner");
  });

  it("stops the 500 of a list naming one user twice: an iModel access list with a repeated user is a 400", async () => {
    const t = await teamWith(api, { writer: ["Write"] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const twice = await t.admin.put(`/imodels/${imodelId}/access`, {
      members: [
        { userId: t.admin.userId, roles: ["Manage", "Manage"] },
        { userId: t.members.writer!.userId, roles: ["Read"] },
        { userId: t.members.writer!.userId, roles: ["Write"] },
      ],
    });
    expectFieldRefused(twice, "body.members");
    // The same role twice in one entry is read once and stored as asked.
    const roles = await t.admin.put(`/imodels/${imodelId}/access`, {
      members: [{ userId: t.admin.userId, roles: ["Manage", "Manage"] }],
    });
    expect(roles.status).toBe(200);
  });
});

describe("cursors", () => {
  it("stops a forged cursor: one extra attribute, wrong types, another list's cursor or another partition's are 400 naming query.cursor", async () => {
    const { orgId, admin, members } = await orgWith(api, { a: "Developer", b: "Developer" });
    const first = await admin.get(`/organizations/${orgId}/members?limit=1`);
    expect(first.status).toBe(200);
    const cursor = first.body.next as string;
    expect((await admin.get(`/organizations/${orgId}/members?limit=1&cursor=${cursor}`)).status).toBe(200);

    const key = decode(cursor);
    const other = await orgWith(api, { c: "Developer" });
    await admin.post(`/organizations/${orgId}/applications`, { name: "One" });
    await admin.post(`/organizations/${orgId}/applications`, { name: "Two" });
    const apps = await admin.get(`/organizations/${orgId}/applications?limit=1`);
    const forged = {
      "an extra attribute": encode({ ...key, gsi1pk: "USER#x" }),
      "an extra attribute the index uses": encode({ ...key, extra: "x" }),
      "a number for the sort key": encode({ ...key, sk: 7 }),
      "a map for the sort key": encode({ ...key, sk: { S: "MEMBER#x" } }),
      "no sort key": encode({ pk: key.pk }),
      "an array": encode([key.pk, key.sk]),
      "not JSON": "bm90IGpzb24",
      "another list's cursor": apps.body.next as string,
      "another organisation's cursor": encode({ ...key, pk: `ORG#${other.orgId}` }),
      "a sort key outside the list": encode({ ...key, sk: "INVITE#x@example.com" }),
    };
    for (const [what, bad] of Object.entries(forged)) {
      const reply = await admin.get(`/organizations/${orgId}/members?limit=1&cursor=${encodeURIComponent(bad)}`);
      expect(reply.status, what).toBe(400);
      expectFieldRefused(reply, "query.cursor");
    }
    // The applications list is bound the same way: a Developer cannot walk the managers' list with a crafted cursor.
    const owned = encode({ pk: key.pk, sk: "APP#x" });
    expectFieldRefused(await members.a!.get(`/organizations/${orgId}/applications?cursor=${owned}`), "query.cursor");
    const withExtra = encode({ ...decode(apps.body.next), version: "1" });
    expectFieldRefused(await admin.get(`/organizations/${orgId}/applications?cursor=${withExtra}`), "query.cursor");
  });
});

describe("ids and names", () => {
  const controls = [
    "x\r\nBcc: victim@example.com",
    "tab\there",
    "nul\u0000",
    "del\u007f",
    "c1\u0085",
    "line\u2028sep",
    "bell\u0007",
  ];

  it("stops '#' in user ids (a key separator) in bodies, paths and tokens", async () => {
    const { orgId, admin } = await orgWith(api, {});
    for (const userId of ["a#APP#b", "x#", "#"]) {
      expectFieldRefused(
        await admin.post(`/organizations/${orgId}/members`, { userId, email: "a@example.com", role: "Developer" }),
        "body.userId",
      );
      expectFieldRefused(
        await admin.patch(`/organizations/${orgId}/members/${encodeURIComponent(userId)}`, { role: "Developer" }),
        "path.userId",
      );
      expectFieldRefused(
        await admin.post(`/organizations/${orgId}/members:assign-role`, {
          userIds: [admin.userId, userId],
          role: "Developer",
        }),
        "body.userIds.1",
      );
    }
    for (const userId of ["a\u0000b", "a\nb", "a b"]) {
      expectFieldRefused(
        await admin.post(`/organizations/${orgId}/members`, { userId, email: "a@example.com", role: "Developer" }),
        "body.userId",
      );
    }
    // A token whose subject could not be a user id is refused before it becomes any key.
    const token = await api.issuer.mint({ sub: `${uniqueUser("x")}#APP#y`, email: "x@example.com" });
    const reply = await api.request("GET", `/organizations/${orgId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(reply.status).toBe(401);
    expect(reply.body.error.message).toContain("sub");
  });

  it("stops control characters and line breaks in every name at the edge (400 naming the field)", async () => {
    const t = await teamWith(api, { writer: ["Write"] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const created = await t.members.writer!.post(`/imodels/${imodelId}/connections`, {
      name: "Feed",
      files: [{ id: "a.dgn", name: "a.dgn", version: "1" }],
    });
    expect(created.status).toBe(201);
    const connectionId = created.body.id as string;
    const admin = t.admin;
    const writer = t.members.writer!;
    for (const name of controls) {
      expectFieldRefused(await admin.post("/organizations", { name }), "body.name");
      expectFieldRefused(await admin.post(`/organizations/${t.orgId}/applications`, { name }), "body.name");
      expectFieldRefused(await admin.post(`/organizations/${t.orgId}/itwins`, { name }), "body.name");
      expectFieldRefused(await admin.post(`/organizations/${t.orgId}/test-itwins`, { name }), "body.name");
      expectFieldRefused(await admin.post(`/itwins/${t.itwinId}/imodels`, { name }), "body.name");
      expectFieldRefused(
        await admin.post(`/itwins/${t.itwinId}/roles`, { name, permissions: ["imodels_read"] }),
        "body.name",
      );
      expectFieldRefused(await admin.post(`/imodels/${imodelId}/named-versions`, { name }), "body.name");
      expectFieldRefused(await writer.post(`/imodels/${imodelId}/connections`, { name, files: [] }), "body.name");
      expectFieldRefused(await writer.patch(`/connections/${connectionId}`, { name }), "body.name");
      expectFieldRefused(
        await writer.put(`/connections/${connectionId}/files/b.dgn`, { name, version: "1" }),
        "body.name",
      );
      expectFieldRefused(
        await writer.put(`/connections/${connectionId}/files/a.dgn`, { version: name }),
        "body.version",
      );
      expectFieldRefused(
        await admin.post(`/organizations/${t.orgId}/members`, {
          userId: uniqueUser("n"),
          email: "n@example.com",
          name,
          role: "Developer",
        }),
        "body.name",
      );
    }
    // Names stay free text otherwise.
    expect((await writer.patch(`/connections/${connectionId}`, { name: "Feed — 東京 #2 <ok>" })).status).toBe(200);
  });
});

describe("collections inside one item have caps", () => {
  it(`stops a connection growing past ${MAX_CONNECTION_FILES} files one PUT at a time (409 TooManyFiles, the connection still changes)`, async () => {
    const t = await teamWith(api, { writer: ["Write"] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const writer = t.members.writer!;
    const files = Array.from({ length: MAX_CONNECTION_FILES - 1 }, (_, i) => ({
      id: `f${i}.dgn`,
      name: `File ${i}`,
      version: "1",
    }));
    const created = await writer.post(`/imodels/${imodelId}/connections`, { name: "Feed", files });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await writer.put(`/connections/${id}/files/last.dgn`, { name: "Last", version: "1" })).status).toBe(200);
    const over = await writer.put(`/connections/${id}/files/over.dgn`, { name: "Over", version: "1" });
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe("TooManyFiles");
    // Files already listed still change, and so does the rest of the connection.
    expect((await writer.put(`/connections/${id}/files/last.dgn`, { version: "2" })).status).toBe(200);
    expect((await writer.patch(`/connections/${id}`, { name: "Feed 2" })).status).toBe(200);
    expect((await writer.get(`/connections/${id}`)).body.files).toHaveLength(MAX_CONNECTION_FILES);
    // Creation and edits are held to the same number by the schema.
    const tooMany = [...files, { id: "x.dgn", name: "x", version: "1" }, { id: "y.dgn", name: "y", version: "1" }];
    expectFieldRefused(await writer.patch(`/connections/${id}`, { files: tooMany }), "body.files");
  });

  it(`stops a briefcase holding more than ${MAX_BRIEFCASE_LOCKS} locks (409 TooManyLocks), and pushes without locks go on`, async () => {
    const t = await teamWith(api, {});
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const briefcase = await t.admin.post(`/imodels/${imodelId}/briefcases`);
    const briefcaseId = briefcase.body.id as string;
    const perPush = 50;
    for (let i = 0; i < MAX_BRIEFCASE_LOCKS / perPush; i++) {
      const locks = Array.from({ length: perPush }, (_, j) => `0x${(i * perPush + j).toString(16).padStart(8, "0")}`);
      expect((await t.admin.post(`/imodels/${imodelId}/changesets`, { briefcaseId, locks })).status).toBe(201);
    }
    const over = await t.admin.post(`/imodels/${imodelId}/changesets`, { briefcaseId, locks: ["0xfffffff0"] });
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe("TooManyLocks");
    expect((await t.admin.post(`/imodels/${imodelId}/changesets`, { briefcaseId })).status).toBe(201);
    // Released, the briefcase takes locks again.
    expect((await t.admin.delete(`/imodels/${imodelId}/locks/${briefcaseId}`)).status).toBeLessThan(300);
    expect((await t.admin.post(`/imodels/${imodelId}/changesets`, { briefcaseId, locks: ["0xfffffff0"] })).status).toBe(
      201,
    );
  });

  it(`stops an application listing more than ${MAX_OWNERS} owners (409 TooManyOwners)`, async () => {
    const names = Object.fromEntries(Array.from({ length: MAX_OWNERS + 1 }, (_, i) => [`d${i}`, "Developer" as const]));
    const { orgId, members } = await orgWith(api, names);
    const creator = members.d0!;
    const app = await creator.post(`/organizations/${orgId}/applications`, { name: "Popular" });
    for (let i = 1; i < MAX_OWNERS; i++) {
      expect(
        (await creator.post(`/applications/${app.body.id}/owners`, { userId: members[`d${i}`]!.userId })).status,
      ).toBe(201);
    }
    const over = await creator.post(`/applications/${app.body.id}/owners`, {
      userId: members[`d${MAX_OWNERS}`]!.userId,
    });
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe("TooManyOwners");
    expect((await creator.get(`/applications/${app.body.id}`)).body.owners).toHaveLength(MAX_OWNERS);
  });
});

describe("teams of one user", () => {
  it(`stops a user joining more than ${MAX_TEAMS_PER_ORGANIZATION} teams of one organisation (409 TooManyTeams on every path that joins one)`, async () => {
    const { orgId, admin, members } = await orgWith(api, { busy: "Developer" });
    const busy = members.busy!;
    const itwin = await admin.post(`/organizations/${orgId}/itwins`, { name: "Plant" });
    // Seeded, since a thousand iTwin creations through HTTP would take minutes: the user's teams item already lists the cap.
    const ddb = makeDocumentClient({ region: "local", endpoint: inject("dynamodbEndpoint") });
    const teams = new Set(Array.from({ length: MAX_TEAMS_PER_ORGANIZATION }, (_, i) => `standard#itw_seeded${i}`));
    await ddb.send(
      new UpdateCommand({
        TableName: config.TABLE_NAME,
        Key: keys.userTeams(busy.userId, orgId),
        UpdateExpression: "ADD teams :t, version :one",
        ExpressionAttributeValues: { ":t": teams, ":one": 1 },
      }),
    );

    for (const reply of [
      await busy.post(`/organizations/${orgId}/itwins`, { name: "One more" }),
      await busy.post(`/organizations/${orgId}/test-itwins`, { name: "One more" }),
      await admin.post(`/itwins/${itwin.body.id}/members`, { userId: busy.userId, roles: ["Read"] }),
    ]) {
      expect(reply.status, JSON.stringify(reply.body)).toBe(409);
      expect(reply.body.error.code).toBe("TooManyTeams");
    }
    // Nothing was half-written: the user is on no new team, and others still join.
    expect(
      (await admin.get(`/itwins/${itwin.body.id}/members`)).body.items.map((m: { userId: string }) => m.userId),
    ).toEqual([admin.userId]);
    expect((await admin.post(`/organizations/${orgId}/itwins`, { name: "Admin's" })).status).toBe(201);
  });
});

describe("role history", () => {
  it(`stops an old token gaining a role it never held after more than ${ROLE_HISTORY_CAP} role changes (history collapsed to the lower role)`, async () => {
    const { orgId, admin, members } = await orgWith(api, { target: "Developer", other: "Developer" });
    const target = members.target!;
    advanceClock(2000);
    // Signed in as a Developer, before any of the changes below.
    const old = await api.as(target.userId);
    advanceClock(2000);
    // Promotions only, back and forth between the two managers: every entry after the first is above Developer.
    const roles = ["SubscriptionManager", "ApplicationManager"] as const;
    for (let i = 0; i < ROLE_HISTORY_CAP + 5; i++) {
      expect(
        (await admin.patch(`/organizations/${orgId}/members/${target.userId}`, { role: roles[i % 2] })).status,
      ).toBe(200);
    }
    const app = await admin.post(`/organizations/${orgId}/applications`, { name: "Admin's" });
    // The token issued as a Developer still acts as one (only its own applications, no member changes);
    // keeping the newest entries only would have judged it with a manager role it never held.
    expect((await old.get(`/organizations/${orgId}/applications`)).body.items).toEqual([]);
    expect(
      (await old.patch(`/organizations/${orgId}/members/${members.other!.userId}`, { role: "ApplicationManager" }))
        .status,
    ).toBe(403);
    const fresh = await api.as(target.userId);
    expect(
      (await fresh.get(`/organizations/${orgId}/applications`)).body.items.map((a: { id: string }) => a.id),
    ).toEqual([app.body.id]);
    expect(
      (await fresh.patch(`/organizations/${orgId}/members/${members.other!.userId}`, { role: "ApplicationManager" }))
        .status,
    ).toBe(200);
  });
});

// An iModel's own access list read back, the iModel renamed, and a list whose Manage holders left the team: through HTTP (SPEC section 7).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { levelPermissions } from "../../shared/domain/permissions";
import { startApi, type TestApi } from "../support/api";
import { imodelIn, teamWith } from "../support/itwins";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

describe("reading an iModel's own access list", () => {
  it("answers the list as the last PUT set it (no stale entries of the one before), to Manage holders only; 404 without a list", async () => {
    const t = await teamWith(api, { writer: ["Write"], reader: ["Read"], manager: ["Manage"] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    expect((await t.admin.get(`/imodels/${imodelId}/access`)).status).toBe(404);
    expect((await t.members.writer!.get(`/imodels/${imodelId}/access`)).status).toBe(403);

    const first = {
      members: [
        { userId: t.admin.userId, roles: ["Manage"] },
        { userId: t.members.reader!.userId, roles: ["Read"] },
      ],
    };
    expect((await t.admin.put(`/imodels/${imodelId}/access`, first)).status).toBe(200);
    const second = {
      members: [
        { userId: t.members.manager!.userId, roles: ["Manage"] },
        { userId: t.members.writer!.userId, roles: ["Write"] },
      ],
    };
    const put = await t.admin.put(`/imodels/${imodelId}/access`, second);
    expect(put.status).toBe(200);
    const read = await t.members.manager!.get(`/imodels/${imodelId}/access`);
    expect(read.status).toBe(200);
    expect(read.body.imodelId).toBe(imodelId);
    expect(read.body.ownAccessList).toBe(true);
    expect([...read.body.members].sort((x, y) => x.userId.localeCompare(y.userId))).toEqual(
      [...put.body.members].sort((x, y) => x.userId.localeCompare(y.userId)),
    );
    // The list gives the writer Write only: no Manage, so no reading it; the admin is off the list now.
    expect((await t.members.writer!.get(`/imodels/${imodelId}/access`)).status).toBe(403);
    expect((await t.admin.get(`/imodels/${imodelId}/access`)).status).toBe(403);

    expect((await t.members.manager!.delete(`/imodels/${imodelId}/access`)).status).toBe(204);
    expect((await t.members.manager!.get(`/imodels/${imodelId}/access`)).status).toBe(404);
  });
});

describe("a list whose Manage holders left", () => {
  it("a team manager who holds Manage in the iTwin replaces or removes any list, even one that leaves them out", async () => {
    const t = await teamWith(api, { lister: ["Manage"], teamManager: ["Manage", "TeamManager"], reader: ["Read"] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    expect(
      (
        await t.admin.put(`/imodels/${imodelId}/access`, {
          members: [{ userId: t.members.lister!.userId, roles: ["Manage"] }],
        })
      ).status,
    ).toBe(200);
    // The only Manage holder on the list leaves the team.
    expect((await t.admin.delete(`/itwins/${t.itwinId}/members/${t.members.lister!.userId}`)).status).toBe(204);

    const manager = t.members.teamManager!;
    expect((await manager.get(`/imodels/${imodelId}/permissions`)).body.permissions).toEqual([]);
    const replaced = await manager.put(`/imodels/${imodelId}/access`, {
      members: [
        { userId: manager.userId, roles: ["Manage"] },
        { userId: t.members.reader!.userId, roles: ["Read"] },
      ],
    });
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
    expect((await manager.get(`/imodels/${imodelId}/permissions`)).body.permissions).toEqual(levelPermissions.Manage);
    expect((await manager.delete(`/imodels/${imodelId}/access`)).status).toBe(204);
  });

  it("a team manager with Read only clears a list, but cannot put Manage on one (403, the grant ceiling)", async () => {
    const t = await teamWith(api, { lister: ["Manage"], low: ["Read", "TeamManager"] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const list = { members: [{ userId: t.members.lister!.userId, roles: ["Manage"] }] };
    expect((await t.admin.put(`/imodels/${imodelId}/access`, list)).status).toBe(200);
    const low = t.members.low!;
    const above = await low.put(`/imodels/${imodelId}/access`, {
      members: [{ userId: low.userId, roles: ["Manage"] }],
    });
    expect(above.status).toBe(403);
    expect(above.body.error.message).toContain("imodels_manage");
    expect((await low.delete(`/imodels/${imodelId}/access`)).status).toBe(204);
    // A Manage holder without team_manage, off the list, stays out.
    expect((await t.admin.put(`/imodels/${imodelId}/access`, list)).status).toBe(200);
  });

  it("members without team_manage and outside the list cannot change it (403)", async () => {
    const t = await teamWith(api, { lister: ["Manage"], other: ["Manage"] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const list = { members: [{ userId: t.members.lister!.userId, roles: ["Manage"] }] };
    expect((await t.admin.put(`/imodels/${imodelId}/access`, list)).status).toBe(200);
    expect((await t.members.other!.put(`/imodels/${imodelId}/access`, list)).status).toBe(403);
    expect((await t.members.other!.delete(`/imodels/${imodelId}/access`)).status).toBe(403);
  });
});

describe("renaming an iModel", () => {
  it("a Manage holder renames it (the list of iModels shows the name); Write gets 403, outsiders 404", async () => {
    const t = await teamWith(api, { manager: ["Manage"], writer: ["Write"] }, ["outsider"]);
    const imodelId = await imodelIn(t.admin, t.itwinId, "Unit 1");
    expect((await t.members.writer!.patch(`/imodels/${imodelId}`, { name: "Mine" })).status).toBe(403);
    expect((await t.outsiders.outsider!.patch(`/imodels/${imodelId}`, { name: "Mine" })).status).toBe(404);
    const renamed = await t.members.manager!.patch(`/imodels/${imodelId}`, { name: "  Unit 1, north  " });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: imodelId, name: "Unit 1, north" });
    expect((await t.members.writer!.get(`/imodels/${imodelId}`)).body.name).toBe("Unit 1, north");
    const listed = await t.admin.get(`/itwins/${t.itwinId}/imodels`);
    expect(listed.body.items.find((m: { id: string }) => m.id === imodelId).name).toBe("Unit 1, north");
    expect((await t.members.manager!.patch(`/imodels/${imodelId}`, { name: "a\nb" })).status).toBe(400);
  });
});

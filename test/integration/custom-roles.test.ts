// Editing and deleting custom roles through HTTP (SPEC section 7): team_manage, the grant ceiling, a held role keeps its permissions, and a deletion racing with an assignment never leaves an assignment to a deleted role.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { levelPermissions } from "../../shared/domain/permissions";
import { startApi, type TestApi } from "../support/api";
import { imodelIn, teamWith } from "../support/itwins";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

const roleBody = (name: string, permissions: string[]) => ({ name, permissions });

describe("editing a custom role", () => {
  it("renames it and changes its permissions while nobody holds it; the list shows the change", async () => {
    const t = await teamWith(api, {});
    const role = await t.admin.post(`/itwins/${t.itwinId}/roles`, roleBody("Reviewer", ["imodels_read"]));
    expect(role.status).toBe(201);
    const changed = await t.admin.patch(`/itwins/${t.itwinId}/roles/${role.body.id}`, {
      name: "Pusher",
      permissions: ["imodels_write"],
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ id: role.body.id, name: "Pusher", permissions: levelPermissions.Write });
    const listed = await t.admin.get(`/itwins/${t.itwinId}/roles`);
    expect(listed.body.items).toEqual([changed.body]);
  });

  it("renames a held role, but refuses other permissions for it with 409 RoleInUse (holders keep what they were given)", async () => {
    const t = await teamWith(api, { holder: [] });
    const role = await t.admin.post(`/itwins/${t.itwinId}/roles`, roleBody("Reviewer", ["imodels_read"]));
    const holder = t.members.holder!;
    expect(
      (await t.admin.patch(`/itwins/${t.itwinId}/members/${holder.userId}`, { roles: [role.body.id] })).status,
    ).toBe(200);
    const path = `/itwins/${t.itwinId}/roles/${role.body.id}`;
    expect((await t.admin.patch(path, { name: "Readers" })).status).toBe(200);
    const refused = await t.admin.patch(path, { permissions: ["imodels_write"] });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("RoleInUse");
    // The same permissions again are no change.
    expect((await t.admin.patch(path, { permissions: ["imodels_read"] })).status).toBe(200);
  });

  it("grant ceiling: a team manager with Read cannot give a role Write (403 naming imodels_write), and may rename it", async () => {
    const t = await teamWith(api, { manager: ["Read", "TeamManager"] });
    const role = await t.admin.post(`/itwins/${t.itwinId}/roles`, roleBody("Reviewer", ["imodels_read"]));
    const path = `/itwins/${t.itwinId}/roles/${role.body.id}`;
    const refused = await t.members.manager!.patch(path, { permissions: ["imodels_write"] });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain("imodels_write");
    expect((await t.members.manager!.patch(path, { name: "Readers" })).status).toBe(200);
  });

  it("needs team_manage (403), hides the iTwin from outsiders (404), and answers 404 for an unknown role", async () => {
    const t = await teamWith(api, { reader: ["Read"] }, ["outsider"]);
    const role = await t.admin.post(`/itwins/${t.itwinId}/roles`, roleBody("Reviewer", ["imodels_read"]));
    const path = `/itwins/${t.itwinId}/roles/${role.body.id}`;
    expect((await t.members.reader!.patch(path, { name: "x" })).status).toBe(403);
    expect((await t.members.reader!.delete(path)).status).toBe(403);
    expect((await t.outsiders.outsider!.patch(path, { name: "x" })).status).toBe(404);
    expect((await t.outsiders.outsider!.delete(path)).status).toBe(404);
    expect((await t.admin.patch(`/itwins/${t.itwinId}/roles/role_unknown`, { name: "x" })).status).toBe(404);
    expect((await t.admin.delete(`/itwins/${t.itwinId}/roles/Read`)).status).toBe(404);
    expect((await t.admin.patch(path, {})).status).toBe(400);
  });
});

describe("deleting a custom role", () => {
  it("deletes one nobody holds: it can no longer be assigned (400)", async () => {
    const t = await teamWith(api, { member: [] });
    const role = await t.admin.post(`/itwins/${t.itwinId}/roles`, roleBody("Reviewer", ["imodels_read"]));
    const deleted = await t.admin.delete(`/itwins/${t.itwinId}/roles/${role.body.id}`);
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);
    expect((await t.admin.get(`/itwins/${t.itwinId}/roles`)).body.items).toEqual([]);
    const assign = await t.admin.patch(`/itwins/${t.itwinId}/members/${t.members.member!.userId}`, {
      roles: [role.body.id],
    });
    expect(assign.status).toBe(400);
    expect((await t.admin.delete(`/itwins/${t.itwinId}/roles/${role.body.id}`)).status).toBe(404);
  });

  it("refuses a role held by a team member or named in an iModel's current list (409 RoleInUse); once given up, it goes", async () => {
    const t = await teamWith(api, { member: ["Read"] });
    const member = t.members.member!;
    const role = await t.admin.post(`/itwins/${t.itwinId}/roles`, roleBody("Reviewer", ["imodels_read"]));
    const path = `/itwins/${t.itwinId}/roles/${role.body.id}`;
    expect(
      (await t.admin.patch(`/itwins/${t.itwinId}/members/${member.userId}`, { roles: [role.body.id] })).status,
    ).toBe(200);
    const held = await t.admin.delete(path);
    expect(held.status).toBe(409);
    expect(held.body.error.code).toBe("RoleInUse");

    expect((await t.admin.patch(`/itwins/${t.itwinId}/members/${member.userId}`, { roles: ["Read"] })).status).toBe(
      200,
    );
    const imodelId = await imodelIn(t.admin, t.itwinId);
    const put = await t.admin.put(`/imodels/${imodelId}/access`, {
      members: [
        { userId: t.admin.userId, roles: ["Manage"] },
        { userId: member.userId, roles: [role.body.id] },
      ],
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect((await t.admin.delete(path)).body.error.code).toBe("RoleInUse");

    // A list replaced without it no longer holds it.
    expect(
      (await t.admin.put(`/imodels/${imodelId}/access`, { members: [{ userId: t.admin.userId, roles: ["Manage"] }] }))
        .status,
    ).toBe(200);
    expect((await t.admin.delete(path)).status).toBe(204);
  });

  it("race: an assignment and a deletion at once never leave an assignment to a deleted role", async () => {
    const t = await teamWith(api, { a: [], b: [], c: [], d: [], e: [], f: [] });
    const users = Object.values(t.members);
    for (let round = 0; round < 6; round++) {
      const role = await t.admin.post(`/itwins/${t.itwinId}/roles`, roleBody(`Round ${round}`, ["imodels_read"]));
      const target = users[round]!;
      const [assigned, deleted] = await Promise.all([
        t.admin.patch(`/itwins/${t.itwinId}/members/${target.userId}`, { roles: [role.body.id] }),
        t.admin.delete(`/itwins/${t.itwinId}/roles/${role.body.id}`),
      ]);
      const roles = (await t.admin.get(`/itwins/${t.itwinId}/roles`)).body.items.map((r: { id: string }) => r.id);
      const member = (await t.admin.get(`/itwins/${t.itwinId}/members`)).body.items.find(
        (m: { userId: string }) => m.userId === target.userId,
      );
      if (assigned.status === 200) {
        // The assignment landed first: the deletion saw it (409) and the role is still there.
        expect(deleted.status, JSON.stringify(deleted.body)).toBe(409);
        expect(roles).toContain(role.body.id);
        expect(member.roles).toEqual([role.body.id]);
      } else {
        // The deletion landed first: the assignment found the role gone.
        expect(deleted.status).toBe(204);
        expect([400, 409]).toContain(assigned.status);
        expect(roles).not.toContain(role.body.id);
        expect(member.roles).toEqual([]);
      }
    }
  });

  it("race: an assignment and a change of permissions at once never leave a holder with the role's old permissions", async () => {
    const t = await teamWith(api, { a: [], b: [], c: [], d: [], e: [] });
    const users = Object.values(t.members);
    for (let round = 0; round < 5; round++) {
      const role = await t.admin.post(`/itwins/${t.itwinId}/roles`, roleBody(`Round ${round}`, ["imodels_read"]));
      const target = users[round]!;
      const [assigned, changed] = await Promise.all([
        t.admin.patch(`/itwins/${t.itwinId}/members/${target.userId}`, { roles: [role.body.id] }),
        t.admin.patch(`/itwins/${t.itwinId}/roles/${role.body.id}`, { permissions: ["imodels_write"] }),
      ]);
      const now = (await t.admin.get(`/itwins/${t.itwinId}/roles`)).body.items.find(
        (r: { id: string }) => r.id === role.body.id,
      );
      const member = (await t.admin.get(`/itwins/${t.itwinId}/members`)).body.items.find(
        (m: { userId: string }) => m.userId === target.userId,
      );
      // Whatever the order, a holder's stored permissions are the role's current ones.
      if (assigned.status === 200) {
        expect(member.roles).toEqual([role.body.id]);
        expect(member.permissions).toEqual(now.permissions);
        // The change came after the assignment (then refused) or before it (then the assignment read it).
        expect(now.permissions).toEqual(changed.status === 200 ? levelPermissions.Write : levelPermissions.Read);
      } else {
        // The assignment read the role before the change landed: refused, nothing assigned.
        expect(assigned.status).toBe(409);
        expect(changed.status).toBe(200);
        expect(member.roles).toEqual([]);
      }
    }
  });

  it("race: a list naming the role and a deletion at once never leave the list with a deleted role", async () => {
    const t = await teamWith(api, { member: ["Read"] });
    const imodelId = await imodelIn(t.admin, t.itwinId);
    for (let round = 0; round < 5; round++) {
      const role = await t.admin.post(`/itwins/${t.itwinId}/roles`, roleBody(`Round ${round}`, ["imodels_read"]));
      const [put, deleted] = await Promise.all([
        t.admin.put(`/imodels/${imodelId}/access`, {
          members: [
            { userId: t.admin.userId, roles: ["Manage"] },
            { userId: t.members.member!.userId, roles: [role.body.id] },
          ],
        }),
        t.admin.delete(`/itwins/${t.itwinId}/roles/${role.body.id}`),
      ]);
      const list = await t.admin.get(`/imodels/${imodelId}/access`);
      // No list at all (404) when the PUT lost: then nothing names the role either.
      const named =
        list.status === 200 && list.body.members.some((m: { roles: string[] }) => m.roles.includes(role.body.id));
      if (put.status === 200) {
        expect(deleted.status).toBe(409);
        expect(named).toBe(true);
      } else {
        expect(deleted.status).toBe(204);
        expect(named).toBe(false);
      }
      // Clean slate for the next round.
      await t.admin.delete(`/imodels/${imodelId}/access`);
    }
  });
});

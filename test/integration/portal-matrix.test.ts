// Every cell of the portal permission matrix (shared/domain/portal.ts), generated from the table and exercised through the HTTP handlers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advanceClock } from "../../shared/clock";
import { decide, portalActions, portalMatrix, type Decision, type PortalAction } from "../../shared/domain/portal";
import { roles, type Role } from "../../shared/domain/roles";
import { startApi, uniqueUser, type Client, type TestApi } from "../support/api";
import { decisionOf, orgWith } from "../support/orgs";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

interface Fixture {
  orgId: string;
  admin: Client;
  caller: Client;
  /** A Developer the caller can act upon. */
  other: Client;
  /** An application created by the Administrator; the caller owns it only in "owner" cells. */
  appId: string;
  /** A Test iTwin; the caller participates only in "participant" cells. */
  testItwinId: string;
}

/** How each action is performed over HTTP; the type makes a new action without a way to test it a compile error. */
const perform: Record<PortalAction, (f: Fixture) => Promise<Decision>> = {
  readOrganization: async (f) => decisionOf(await f.caller.get(`/organizations/${f.orgId}`)),
  listMembers: async (f) => decisionOf(await f.caller.get(`/organizations/${f.orgId}/members`)),
  addMember: async (f) =>
    decisionOf(
      await f.caller.post(`/organizations/${f.orgId}/members`, { userId: uniqueUser("new"), email: "new@example.com" }),
    ),
  changeRole: async (f) =>
    decisionOf(
      await f.caller.patch(`/organizations/${f.orgId}/members/${f.other.userId}`, { role: "ApplicationManager" }),
    ),
  removeMember: async (f) => decisionOf(await f.caller.delete(`/organizations/${f.orgId}/members/${f.other.userId}`)),
  readSubscription: async (f) => decisionOf(await f.caller.get(`/organizations/${f.orgId}/subscription`)),
  changeSubscription: async (f) =>
    decisionOf(await f.caller.patch(`/organizations/${f.orgId}/subscription`, { addCredits: 10 })),
  createApplication: async (f) =>
    decisionOf(await f.caller.post(`/organizations/${f.orgId}/applications`, { name: "New app" })),
  listApplications: async (f) => decisionOf(await f.caller.get(`/organizations/${f.orgId}/applications`)),
  readApplication: async (f) => decisionOf(await f.caller.get(`/applications/${f.appId}`)),
  modifyApplication: async (f) => decisionOf(await f.caller.patch(`/applications/${f.appId}`, { name: "Renamed" })),
  deleteApplication: async (f) => decisionOf(await f.caller.delete(`/applications/${f.appId}`)),
  addApplicationOwner: async (f) =>
    decisionOf(await f.caller.post(`/applications/${f.appId}/owners`, { userId: f.other.userId })),
  viewAllApplications: async (f) => {
    const list = await f.caller.get(`/organizations/${f.orgId}/applications`);
    if (list.status !== 200) return decisionOf(list);
    // Allowed: the list shows applications the caller does not own; otherwise it is narrowed to their own.
    return list.body.items.some((a: { id: string }) => a.id === f.appId) ? "allow" : "forbid";
  },
  createTestItwin: async (f) =>
    decisionOf(await f.caller.post(`/organizations/${f.orgId}/test-itwins`, { name: "Sandbox" })),
  readTestItwin: async (f) => {
    const list = await f.caller.get(`/organizations/${f.orgId}/test-itwins`);
    if (list.status !== 200) return decisionOf(list);
    return list.body.items.some((t: { id: string }) => t.id === f.testItwinId) ? "allow" : "hide";
  },
  modifyTestItwin: async (f) => decisionOf(await f.caller.patch(`/test-itwins/${f.testItwinId}`, { name: "Renamed" })),
  deleteTestItwin: async (f) => decisionOf(await f.caller.delete(`/test-itwins/${f.testItwinId}`)),
  addTestItwinParticipant: async (f) =>
    decisionOf(await f.caller.post(`/test-itwins/${f.testItwinId}/participants`, { userId: f.other.userId })),
  listInvitations: async (f) => decisionOf(await f.caller.get(`/organizations/${f.orgId}/invitations`)),
  withdrawInvitation: async (f) => {
    const address = `${uniqueUser("invited")}@example.com`;
    expect((await f.admin.post(`/organizations/${f.orgId}/members`, { email: address })).status).toBe(201);
    return decisionOf(await f.caller.delete(`/organizations/${f.orgId}/invitations/${address}`));
  },
  removeMembers: async (f) =>
    decisionOf(await f.caller.post(`/organizations/${f.orgId}/members:remove`, { userIds: [f.other.userId] })),
  // A second listed owner is added first, so the removal is never of the last one.
  removeApplicationOwner: async (f) => {
    expect((await f.admin.post(`/applications/${f.appId}/owners`, { userId: f.other.userId })).status).toBe(201);
    return decisionOf(await f.caller.delete(`/applications/${f.appId}/owners/${f.other.userId}`));
  },
  listTestItwinParticipants: async (f) => decisionOf(await f.caller.get(`/test-itwins/${f.testItwinId}/participants`)),
  // The Administrator created the Test iTwin: removing them leaves a participant caller (and is hidden from the others).
  removeTestItwinParticipant: async (f) =>
    decisionOf(await f.caller.delete(`/test-itwins/${f.testItwinId}/participants/${f.admin.userId}`)),
  readAudit: async (f) => decisionOf(await f.caller.get(`/organizations/${f.orgId}/audit`)),
};

/**
 * With `demoted`, the caller was a Subscription Manager when their token was issued, and was given
 * `role` two seconds later: they keep using that older token, which must count for nothing above `role`.
 */
async function fixture(
  role: Role | null,
  relation: { owner?: boolean; participant?: boolean },
  demoted = false,
): Promise<Fixture> {
  const { orgId, admin, members } = await orgWith(api, {
    caller: demoted ? "SubscriptionManager" : role,
    other: "Developer",
  });
  const caller = members.caller!;
  const other = members.other!;
  if (demoted) {
    advanceClock(2000);
    expect((await admin.patch(`/organizations/${orgId}/members/${caller.userId}`, { role })).status).toBe(200);
  }
  const app = await admin.post(`/organizations/${orgId}/applications`, { name: "Admin's app" });
  expect(app.status).toBe(201);
  if (relation.owner)
    expect((await admin.post(`/applications/${app.body.id}/owners`, { userId: caller.userId })).status).toBe(201);
  const testItwin = await admin.post(`/organizations/${orgId}/test-itwins`, { name: "Admin's sandbox" });
  expect(testItwin.status).toBe(201);
  if (relation.participant) {
    expect((await admin.post(`/test-itwins/${testItwin.body.id}/participants`, { userId: caller.userId })).status).toBe(
      201,
    );
  }
  return { orgId, admin, caller, other, appId: app.body.id, testItwinId: testItwin.body.id };
}

type Cell = {
  action: PortalAction;
  role: Role | null;
  relation: { owner?: boolean; participant?: boolean };
  expected: Decision;
  demoted?: boolean;
};

const cells: Cell[] = portalActions.flatMap((action) =>
  [...roles, null].flatMap((role) => {
    const grant = role ? portalMatrix[action][role] : "no";
    const relations =
      grant === "owner"
        ? [{ owner: true }, { owner: false }]
        : grant === "participant"
          ? [{ participant: true }, { participant: false }]
          : [{}];
    return relations.map((relation) => ({ action, role, relation, expected: decide(action, role, relation) }));
  }),
);

/** The "demoted with an old token" column: every role below Subscription Manager, reached by a demotion the token predates. */
const demotedCells: Cell[] = cells
  .filter((c) => c.role !== "SubscriptionManager")
  .map((c) => ({ ...c, demoted: true }));

const describeCell = (c: Cell) => {
  const who = (c.demoted ? "a Subscription Manager demoted to " : "") + (c.role ?? "a member without a role");
  const rel =
    c.relation.owner !== undefined
      ? c.relation.owner
        ? " (owner)"
        : " (not owner)"
      : c.relation.participant !== undefined
        ? c.relation.participant
          ? " (participant)"
          : " (not participant)"
        : "";
  return `${who}${rel}: ${c.action} -> ${c.expected}`;
};

describe("portal permission matrix, through HTTP", () => {
  it("covers every action for every role", () => {
    expect(new Set(cells.map((c) => c.action))).toEqual(new Set(portalActions));
    expect(cells.length).toBeGreaterThanOrEqual(portalActions.length * 4);
  });

  it.each(cells.map((c) => [describeCell(c), c] as const))("%s", async (_name, cell) => {
    const f = await fixture(cell.role, cell.relation);
    expect(await perform[cell.action](f)).toBe(cell.expected);
  });
});

describe("portal permission matrix, demoted with an old token (the demotion applies at once)", () => {
  it("covers every action for every role below Subscription Manager", () => {
    expect(new Set(demotedCells.map((c) => c.action))).toEqual(new Set(portalActions));
  });

  it.each(demotedCells.map((c) => [describeCell(c), c] as const))("%s", async (_name, cell) => {
    const f = await fixture(cell.role, cell.relation, true);
    expect(await perform[cell.action](f)).toBe(cell.expected);
  });
});

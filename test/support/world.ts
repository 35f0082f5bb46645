// A world with one of everything, made through the API, and one valid sample request per route: the authorization and bad-input tests share them.
import { expect } from "vitest";
import { uniqueUser, type Client, type TestApi } from "./api";
import { queuedRun } from "./queued-run";

export interface World {
  orgId: string;
  admin: Client;
  dev: Client;
  /** An organisation member outside every team, to be added where a route adds someone. */
  extra: Client;
  /** A View member of the iTwin, to be removed or changed. */
  viewer: Client;
  /** An address invited to the organisation and not yet taken. */
  invitedEmail: string;
  appId: string;
  testItwinId: string;
  itwinId: string;
  imodelId: string;
  /** An iModel with its own access list (the Administrator: Manage, the viewer: View). */
  listedImodelId: string;
  /** A custom role nobody holds (imodels_read). */
  roleId: string;
  briefcaseId: string;
  namedVersionId: string;
  connectionId: string;
  runId: string;
  /** A run still queued, of another connection (`activeConnectionId`): a worker has not taken it. */
  activeRunId: string;
  activeConnectionId: string;
}

/** Everything every route can act on, made through the API by its Administrator. */
export async function world(api: TestApi): Promise<World> {
  const admin = await api.as(uniqueUser("admin"));
  const ok = async (p: Promise<{ status: number; body: any }>) => {
    const r = await p;
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    return r.body;
  };
  const org = await ok(admin.post("/organizations", { name: "World" }));
  const member = async (name: string, role: string) => {
    const c = await api.as(uniqueUser(name));
    await ok(
      admin.post(`/organizations/${org.id}/members`, { userId: c.userId, email: `${c.userId}@example.com`, role }),
    );
    return c;
  };
  const [dev, extra, viewer] = [
    await member("dev", "Developer"),
    await member("extra", "Developer"),
    await member("viewer", "Developer"),
  ];
  const invitedEmail = `${uniqueUser("invited")}@example.com`;
  await ok(admin.post(`/organizations/${org.id}/members`, { email: invitedEmail, role: "Developer" }));
  const app = await ok(admin.post(`/organizations/${org.id}/applications`, { name: "App" }));
  const testItwin = await ok(admin.post(`/organizations/${org.id}/test-itwins`, { name: "Sandbox" }));
  const itwin = await ok(admin.post(`/organizations/${org.id}/itwins`, { name: "Plant" }));
  await ok(admin.post(`/itwins/${itwin.id}/members`, { userId: dev.userId, roles: ["Write"] }));
  await ok(admin.post(`/itwins/${itwin.id}/members`, { userId: viewer.userId, roles: ["View"] }));
  const imodel = await ok(admin.post(`/itwins/${itwin.id}/imodels`, { name: "Unit 1" }));
  const listed = await ok(admin.post(`/itwins/${itwin.id}/imodels`, { name: "Unit 1b" }));
  await ok(
    admin.put(`/imodels/${listed.id}/access`, {
      members: [
        { userId: admin.userId, roles: ["Manage"] },
        { userId: viewer.userId, roles: ["View"] },
      ],
    }),
  );
  const role = await ok(admin.post(`/itwins/${itwin.id}/roles`, { name: "Reviewer", permissions: ["imodels_read"] }));
  // A second listed owner and a second participant: the viewer, whom the removal samples remove.
  await ok(admin.post(`/applications/${app.id}/owners`, { userId: viewer.userId }));
  await ok(admin.post(`/test-itwins/${testItwin.id}/participants`, { userId: viewer.userId }));
  await ok(dev.get(`/imodels/${imodel.id}`));
  const briefcase = await ok(admin.post(`/imodels/${imodel.id}/briefcases`));
  await ok(
    admin.post(`/imodels/${imodel.id}/changesets`, {
      description: "first",
      briefcaseId: briefcase.id,
      locks: ["element-1"],
    }),
  );
  const namedVersion = await ok(admin.post(`/imodels/${imodel.id}/named-versions`, { name: "v1" }));
  await ok(admin.post("/me/sync-token"));
  const connection = await ok(
    admin.post(`/imodels/${imodel.id}/connections`, {
      name: "Sync",
      files: [{ id: "f", name: "f.dgn", version: "1" }],
    }),
  );
  const run = await ok(admin.post(`/connections/${connection.id}/runs`));
  const active = await ok(admin.post(`/imodels/${imodel.id}/connections`, { name: "Busy", files: [] }));
  const activeRunId = await queuedRun(admin.userId, active.id);
  return {
    orgId: org.id,
    admin,
    dev,
    extra,
    viewer,
    invitedEmail,
    appId: app.id,
    testItwinId: testItwin.id,
    itwinId: itwin.id,
    imodelId: imodel.id,
    listedImodelId: listed.id,
    roleId: role.id,
    briefcaseId: briefcase.id,
    namedVersionId: namedVersion.id,
    connectionId: connection.id,
    runId: run.id,
    activeRunId,
    activeConnectionId: active.id,
  };
}

export interface Sample {
  path: string;
  body?: unknown;
  /** Who may do it (default: the Administrator, who created everything). */
  as?: (w: World) => Client;
}

/** One valid request per route. A route added without a row here fails the first test. */
export const samples: Record<string, (w: World) => Sample> = {
  getApiPage: () => ({ path: "/docs" }),
  getHealth: () => ({ path: "/health" }),
  getOpenApi: () => ({ path: "/openapi.json" }),
  createOrganization: () => ({ path: "/organizations", body: { name: "Another" } }),
  getOrganization: (w) => ({ path: `/organizations/${w.orgId}` }),
  listMembers: (w) => ({ path: `/organizations/${w.orgId}/members` }),
  addMember: (w) => ({
    path: `/organizations/${w.orgId}/members`,
    body: { userId: uniqueUser("new"), email: "new@example.com" },
  }),
  changeMember: (w) => ({
    path: `/organizations/${w.orgId}/members/${w.dev.userId}`,
    body: { role: "ApplicationManager" },
  }),
  assignRole: (w) => ({
    path: `/organizations/${w.orgId}/members:assign-role`,
    body: { userIds: [w.dev.userId], role: "ApplicationManager" },
  }),
  removeMember: (w) => ({ path: `/organizations/${w.orgId}/members/${w.extra.userId}` }),
  listMyOrganizations: () => ({ path: "/organizations" }),
  removeMembers: (w) => ({
    path: `/organizations/${w.orgId}/members:remove`,
    body: { userIds: [w.extra.userId, w.viewer.userId] },
  }),
  listInvitations: (w) => ({ path: `/organizations/${w.orgId}/invitations` }),
  withdrawInvitation: (w) => ({ path: `/organizations/${w.orgId}/invitations/${w.invitedEmail}` }),
  getSubscription: (w) => ({ path: `/organizations/${w.orgId}/subscription` }),
  changeSubscription: (w) => ({ path: `/organizations/${w.orgId}/subscription`, body: { addCredits: 5 } }),
  createApplication: (w) => ({ path: `/organizations/${w.orgId}/applications`, body: { name: "App 2" } }),
  listApplications: (w) => ({ path: `/organizations/${w.orgId}/applications` }),
  getApplication: (w) => ({ path: `/applications/${w.appId}` }),
  renameApplication: (w) => ({ path: `/applications/${w.appId}`, body: { name: "Renamed" } }),
  deleteApplication: (w) => ({ path: `/applications/${w.appId}` }),
  addApplicationOwner: (w) => ({ path: `/applications/${w.appId}/owners`, body: { userId: w.dev.userId } }),
  removeApplicationOwner: (w) => ({ path: `/applications/${w.appId}/owners/${w.viewer.userId}` }),
  createTestItwin: (w) => ({ path: `/organizations/${w.orgId}/test-itwins`, body: { name: "Sandbox 2" } }),
  listTestItwins: (w) => ({ path: `/organizations/${w.orgId}/test-itwins` }),
  getTestItwin: (w) => ({ path: `/test-itwins/${w.testItwinId}` }),
  renameTestItwin: (w) => ({ path: `/test-itwins/${w.testItwinId}`, body: { name: "Renamed" } }),
  deleteTestItwin: (w) => ({ path: `/test-itwins/${w.testItwinId}` }),
  addTestItwinParticipant: (w) => ({
    path: `/test-itwins/${w.testItwinId}/participants`,
    body: { userId: w.dev.userId },
  }),
  listTestItwinParticipants: (w) => ({ path: `/test-itwins/${w.testItwinId}/participants` }),
  removeTestItwinParticipant: (w) => ({ path: `/test-itwins/${w.testItwinId}/participants/${w.viewer.userId}` }),
  createItwin: (w) => ({ path: `/organizations/${w.orgId}/itwins`, body: { name: "Plant 2" } }),
  listItwins: (w) => ({ path: `/organizations/${w.orgId}/itwins` }),
  getItwin: (w) => ({ path: `/itwins/${w.itwinId}` }),
  listItwinMembers: (w) => ({ path: `/itwins/${w.itwinId}/members` }),
  addItwinMember: (w) => ({ path: `/itwins/${w.itwinId}/members`, body: { userId: w.extra.userId, roles: ["Read"] } }),
  changeItwinMember: (w) => ({ path: `/itwins/${w.itwinId}/members/${w.viewer.userId}`, body: { roles: ["Read"] } }),
  removeItwinMember: (w) => ({ path: `/itwins/${w.itwinId}/members/${w.viewer.userId}` }),
  listItwinRoles: (w) => ({ path: `/itwins/${w.itwinId}/roles` }),
  createItwinRole: (w) => ({
    path: `/itwins/${w.itwinId}/roles`,
    body: { name: "Pusher", permissions: ["imodels_write"] },
  }),
  changeItwinRole: (w) => ({
    path: `/itwins/${w.itwinId}/roles/${w.roleId}`,
    body: { name: "Reader", permissions: ["imodels_read"] },
  }),
  deleteItwinRole: (w) => ({ path: `/itwins/${w.itwinId}/roles/${w.roleId}` }),
  listImodels: (w) => ({ path: `/itwins/${w.itwinId}/imodels` }),
  createImodel: (w) => ({ path: `/itwins/${w.itwinId}/imodels`, body: { name: "Unit 2" } }),
  getImodel: (w) => ({ path: `/imodels/${w.imodelId}` }),
  deleteImodel: (w) => ({ path: `/imodels/${w.imodelId}` }),
  getImodelPermissions: (w) => ({ path: `/imodels/${w.imodelId}/permissions` }),
  renameImodel: (w) => ({ path: `/imodels/${w.imodelId}`, body: { name: "Unit 1, renamed" } }),
  getImodelAccess: (w) => ({ path: `/imodels/${w.listedImodelId}/access` }),
  setImodelAccess: (w) => ({
    path: `/imodels/${w.imodelId}/access`,
    body: { members: [{ userId: w.admin.userId, roles: ["Manage"] }] },
  }),
  clearImodelAccess: (w) => ({ path: `/imodels/${w.imodelId}/access` }),
  listChangesets: (w) => ({ path: `/imodels/${w.imodelId}/changesets` }),
  pushChangeset: (w) => ({ path: `/imodels/${w.imodelId}/changesets`, body: { description: "second" } }),
  listNamedVersions: (w) => ({ path: `/imodels/${w.imodelId}/named-versions` }),
  createNamedVersion: (w) => ({ path: `/imodels/${w.imodelId}/named-versions`, body: { name: "v2" } }),
  modifyNamedVersion: (w) => ({ path: `/named-versions/${w.namedVersionId}`, body: { name: "v1.1" } }),
  createBriefcase: (w) => ({ path: `/imodels/${w.imodelId}/briefcases` }),
  listLocks: (w) => ({ path: `/imodels/${w.imodelId}/locks` }),
  releaseLocks: (w) => ({ path: `/imodels/${w.imodelId}/locks/${w.briefcaseId}` }),
  listConnections: (w) => ({ path: `/imodels/${w.imodelId}/connections` }),
  createConnection: (w) => ({ path: `/imodels/${w.imodelId}/connections`, body: { name: "Sync 2", files: [] } }),
  getConnection: (w) => ({ path: `/connections/${w.connectionId}` }),
  editConnection: (w) => ({ path: `/connections/${w.connectionId}`, body: { name: "Renamed" } }),
  deleteConnection: (w) => ({ path: `/connections/${w.connectionId}` }),
  setFileVersion: (w) => ({ path: `/connections/${w.connectionId}/files/f`, body: { version: "2" } }),
  transferOwnership: (w) => ({ path: `/connections/${w.connectionId}/owner`, body: { userId: w.dev.userId } }),
  takeOwnership: (w) => ({ path: `/connections/${w.connectionId}/owner:take`, as: (x) => x.dev }),
  startRun: (w) => ({ path: `/connections/${w.connectionId}/runs` }),
  listRuns: (w) => ({ path: `/connections/${w.connectionId}/runs` }),
  getRun: (w) => ({ path: `/runs/${w.runId}` }),
  getSyncToken: () => ({ path: "/me/sync-token" }),
  visitSyncPortal: () => ({ path: "/me/sync-token" }),
  getOrganizationAudit: (w) => ({ path: `/organizations/${w.orgId}/audit` }),
  getImodelAudit: (w) => ({ path: `/imodels/${w.imodelId}/audit` }),
  listMyConnections: () => ({ path: "/me/connections" }),
  cancelRun: (w) => ({ path: `/runs/${w.activeRunId}/cancel` }),
};

/** Sends a sample as `client`, with its body where the method has one. */
export const send = (client: Client, method: string, sample: Sample) =>
  method === "GET"
    ? client.get(sample.path)
    : method === "DELETE"
      ? client.delete(sample.path)
      : method === "POST"
        ? client.post(sample.path, sample.body)
        : method === "PUT"
          ? client.put(sample.path, sample.body)
          : client.patch(sample.path, sample.body);

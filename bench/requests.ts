// Benchmark: DynamoDB requests per API operation, for every route of the route table, counted by middleware on the app's client.
import "./support/env";
import { createGateway } from "../infra/local/gateway";
import type { LambdaHandler } from "../shared/http/handler";
import { listen } from "../infra/local/stack";
import { memoryIssuer } from "../infra/local/tokens";
import { httpFunctions } from "../functions/http/index";
import { advanceClock } from "../shared/clock";
import { routeKey, type FunctionGroup, type RouteDef } from "../shared/http/route";
import { routeList } from "../shared/http/routes";
import type { App } from "../shared/app";
import type { Job } from "../shared/jobs";
import { failed, request, signIn, type User } from "./support/api";
import { countingClient, readCommands, type Counts } from "./support/counting";
import { summary, table, verdict } from "./support/measure";
import { runBench, withServers } from "./support/servers";
import { closeServer } from "../infra/local/close-server";

/** A request a sample sends: `as` undefined for the public routes. */
interface Call {
  as?: User;
  method: string;
  path: string;
  body?: unknown;
}

/**
 * One valid request per route. A sample may prepare what it needs first (a member to remove, an iModel to delete):
 * that work is not counted, only the request it answers. `n` is 1 or 2: iModel routes are called twice.
 */
type Sample = (n: number) => Promise<Call>;

const DAY_MS = 24 * 3600 * 1000;

/** Routes whose work goes through the iModel guard, and so may record the caller's interaction (once per user, iModel and day). */
const isImodelRoute = (route: RouteDef) => /^\/(imodels|named-versions|connections|runs)\//.test(route.path);

/** Issue 7: a read costs one request; a write one transaction (or single-item write) plus at most one read. */
function meetsTarget(c: Counts): boolean {
  return c.reads <= 1 && c.writes <= 1;
}

const shortNames: Record<string, string> = {
  GetItemCommand: "Get",
  BatchGetItemCommand: "BatchGet",
  QueryCommand: "Query",
  ScanCommand: "SCAN",
  TransactGetItemsCommand: "TransactGet",
  PutItemCommand: "Put",
  UpdateItemCommand: "Update",
  DeleteItemCommand: "Delete",
  TransactWriteItemsCommand: "TransactWrite",
  BatchWriteItemCommand: "BatchWrite",
};

const isRead = (command: string) => (readCommands as readonly string[]).includes(command);

/** The requests of one call, reads first, e.g. "BatchGet 1, Get 1, TransactWrite 1". */
const describe = (c: Counts) =>
  Object.entries(c.byCommand)
    .sort(([a], [b]) => Number(isRead(b)) - Number(isRead(a)) || a.localeCompare(b))
    .map(([command, n]) => `${shortNames[command] ?? command} ${n}`)
    .join(", ") + (c.interactionWrites ? ` (${c.interactionWrites} interaction)` : "");

const total = (c: Counts) => c.reads + c.writes;

/** The sample really asks for this route: its method, and its path fits the route's template. */
function matches(route: RouteDef, call: Call): boolean {
  const escapeRegExp = (text: string) => text.replace(/[.*+?^$()|[\]\\{}]/g, "\\$&");
  const pattern = new RegExp(
    `^${route.path
      .split(/\{\w+\}/)
      .map(escapeRegExp)
      .join("[^/]+")}$`,
  );
  return call.method === route.method && pattern.test(call.path);
}

runBench(() =>
  withServers({ name: "requests", deadlineMs: 2 * 60_000, ses: true }, async ({ dynamodbEndpoint }) => {
    const counting = countingClient(dynamodbEndpoint);
    const { makeApp } = await import("../shared/app");
    // Background jobs (a manual run's execution, an ownership change's mail) are held here and done by the
    // worker after the route's own requests were counted: the table shows them in a column of their own.
    const held: Job[] = [];
    const app = makeApp({ ddb: counting.ddb, jobs: { enqueue: async (job) => void held.push(job) } });

    // Every group's routes over the counting app; a group whose module exports no routesOf keeps its own handler (and its own client).
    const handlers: Partial<Record<FunctionGroup, LambdaHandler>> = {};
    const ownClients: string[] = [];
    for (const [group, load] of Object.entries(httpFunctions) as [
      FunctionGroup,
      NonNullable<(typeof httpFunctions)[FunctionGroup]>,
    ][]) {
      const module = (await load()) as { handler: LambdaHandler; routesOf?: (app: App) => LambdaHandler };
      if (module.routesOf) handlers[group] = module.routesOf(app);
      else {
        handlers[group] = module.handler;
        ownClients.push(group);
      }
    }
    const issuer = await memoryIssuer();
    const server = createGateway({ routes: routeList, handlers, issuer });
    const url = `http://127.0.0.1:${await listen(server, 0)}`;

    // Fixtures through the API.
    let serial = 0;
    const fresh = (name: string) => `${name}-${++serial}`;
    const user = (name: string) => signIn(url, issuer, name);
    const admin = await user("admin");
    const dev = await user("dev");
    const dev2 = await user("dev2");
    const changed = await user("changed");
    const assignedA = await user("assigned-a");
    const assignedB = await user("assigned-b");
    const reader = await user("reader");
    const reader2 = await user("reader2");
    const writer = await user("writer");
    const writer2 = await user("writer2");
    const org = await admin.ok("POST", "/organizations", { name: "Bench" });
    const addToOrg = (u: { userId: string }, role: string | null = "Developer") =>
      admin.ok("POST", `/organizations/${org.id}/members`, {
        userId: u.userId,
        email: `${u.userId}@example.com`,
        role,
      });
    for (const u of [dev, dev2, changed, assignedA, assignedB, reader, reader2, writer, writer2]) await addToOrg(u);
    const application = await dev.ok("POST", `/organizations/${org.id}/applications`, { name: "App" });
    const testItwin = await dev.ok("POST", `/organizations/${org.id}/test-itwins`, { name: "Sandbox" });
    const itwin = await admin.ok("POST", `/organizations/${org.id}/itwins`, { name: "Plant" });
    const imodel = await admin.ok("POST", `/itwins/${itwin.id}/imodels`, { name: "Unit 1" });
    const listed = await admin.ok("POST", `/itwins/${itwin.id}/imodels`, { name: "Unit 2 (own access list)" });
    for (const [u, roles] of [
      [reader, ["Read"]],
      [reader2, ["Read"]],
      [writer, ["Write"]],
      [writer2, ["Write"]],
    ] as const) {
      await admin.ok("POST", `/itwins/${itwin.id}/members`, { userId: u.userId, roles });
      await u.ok("GET", `/imodels/${imodel.id}`);
    }
    const briefcase = await writer.ok("POST", `/imodels/${imodel.id}/briefcases`);
    const namedVersion = await writer.ok("POST", `/imodels/${imodel.id}/named-versions`, { name: "Baseline" });
    const connectionBody = (name: string) => ({
      name,
      files: [{ id: "f1", name: "plant.dgn", version: "1" }],
      schedule: { every: "PT1H" },
    });
    const connection = await writer.ok("POST", `/imodels/${imodel.id}/connections`, connectionBody("Plant files"));
    const run = await writer.ok("POST", `/connections/${connection.id}/runs`);
    const ownerOf = async () => (await admin.ok("GET", `/connections/${connection.id}`)).ownerId as string;
    const writers = [writer, writer2];
    const accessList = {
      members: [
        { userId: admin.userId, roles: ["Manage"] },
        { userId: writer.userId, roles: ["Write"] },
      ],
    };
    const orgMember = async () => {
      const u = await user(fresh("member"));
      await addToOrg(u);
      return u;
    };

    const samples: Record<string, Sample> = {
      getApiPage: async () => ({ method: "GET", path: "/docs" }),
      getHealth: async () => ({ method: "GET", path: "/health" }),
      getOpenApi: async () => ({ method: "GET", path: "/openapi.json" }),

      createOrganization: async () => ({
        as: await user(fresh("founder")),
        method: "POST",
        path: "/organizations",
        body: { name: "Another" },
      }),
      getOrganization: async () => ({ as: admin, method: "GET", path: `/organizations/${org.id}` }),
      listMembers: async () => ({ as: admin, method: "GET", path: `/organizations/${org.id}/members` }),
      addMember: async () => {
        const userId = fresh("added");
        return {
          as: admin,
          method: "POST",
          path: `/organizations/${org.id}/members`,
          body: { userId, email: `${userId}@example.com`, role: "Developer" },
        };
      },
      changeMember: async () => ({
        as: admin,
        method: "PATCH",
        path: `/organizations/${org.id}/members/${changed.userId}`,
        body: { role: "ApplicationManager" },
      }),
      assignRole: async () => ({
        as: admin,
        method: "POST",
        path: `/organizations/${org.id}/members:assign-role`,
        body: { userIds: [assignedA.userId, assignedB.userId], role: "ApplicationManager" },
      }),
      removeMember: async () => ({
        as: admin,
        method: "DELETE",
        path: `/organizations/${org.id}/members/${(await orgMember()).userId}`,
      }),
      removeMembers: async () => ({
        as: admin,
        method: "POST",
        path: `/organizations/${org.id}/members:remove`,
        body: { userIds: [(await orgMember()).userId, (await orgMember()).userId] },
      }),
      listMyOrganizations: async () => ({ as: dev, method: "GET", path: "/organizations" }),
      listInvitations: async () => ({ as: admin, method: "GET", path: `/organizations/${org.id}/invitations` }),
      withdrawInvitation: async () => {
        const address = `${fresh("invited")}@example.com`;
        await admin.ok("POST", `/organizations/${org.id}/members`, { email: address, role: "Developer" });
        return { as: admin, method: "DELETE", path: `/organizations/${org.id}/invitations/${address}` };
      },
      getSubscription: async () => ({ as: admin, method: "GET", path: `/organizations/${org.id}/subscription` }),
      changeSubscription: async () => ({
        as: admin,
        method: "PATCH",
        path: `/organizations/${org.id}/subscription`,
        body: { addCredits: 100 },
      }),

      createApplication: async () => ({
        as: dev,
        method: "POST",
        path: `/organizations/${org.id}/applications`,
        body: { name: "Viewer" },
      }),
      listApplications: async () => ({ as: dev, method: "GET", path: `/organizations/${org.id}/applications` }),
      getApplication: async () => ({ as: dev, method: "GET", path: `/applications/${application.id}` }),
      renameApplication: async () => ({
        as: dev,
        method: "PATCH",
        path: `/applications/${application.id}`,
        body: { name: "App, renamed" },
      }),
      addApplicationOwner: async () => ({
        as: dev,
        method: "POST",
        path: `/applications/${application.id}/owners`,
        body: { userId: dev2.userId },
      }),
      removeApplicationOwner: async () => {
        const owner = await orgMember();
        await dev.ok("POST", `/applications/${application.id}/owners`, { userId: owner.userId });
        return { as: dev, method: "DELETE", path: `/applications/${application.id}/owners/${owner.userId}` };
      },
      deleteApplication: async () => {
        const doomed = await dev.ok("POST", `/organizations/${org.id}/applications`, { name: "Doomed" });
        return { as: dev, method: "DELETE", path: `/applications/${doomed.id}` };
      },

      createTestItwin: async () => ({
        as: dev,
        method: "POST",
        path: `/organizations/${org.id}/test-itwins`,
        body: { name: "Sandbox 2" },
      }),
      listTestItwins: async () => ({ as: dev, method: "GET", path: `/organizations/${org.id}/test-itwins` }),
      getTestItwin: async () => ({ as: dev, method: "GET", path: `/test-itwins/${testItwin.id}` }),
      renameTestItwin: async () => ({
        as: dev,
        method: "PATCH",
        path: `/test-itwins/${testItwin.id}`,
        body: { name: "Sandbox, renamed" },
      }),
      addTestItwinParticipant: async () => ({
        as: dev,
        method: "POST",
        path: `/test-itwins/${testItwin.id}/participants`,
        body: { userId: dev2.userId },
      }),
      listTestItwinParticipants: async () => ({
        as: dev,
        method: "GET",
        path: `/test-itwins/${testItwin.id}/participants`,
      }),
      removeTestItwinParticipant: async () => {
        const leaving = await orgMember();
        await dev.ok("POST", `/test-itwins/${testItwin.id}/participants`, { userId: leaving.userId });
        return { as: dev, method: "DELETE", path: `/test-itwins/${testItwin.id}/participants/${leaving.userId}` };
      },
      deleteTestItwin: async () => {
        const doomed = await dev.ok("POST", `/organizations/${org.id}/test-itwins`, { name: "Doomed" });
        return { as: dev, method: "DELETE", path: `/test-itwins/${doomed.id}` };
      },

      createItwin: async () => ({
        as: admin,
        method: "POST",
        path: `/organizations/${org.id}/itwins`,
        body: { name: "Bridge" },
      }),
      listItwins: async () => ({ as: admin, method: "GET", path: `/organizations/${org.id}/itwins` }),
      getItwin: async () => ({ as: admin, method: "GET", path: `/itwins/${itwin.id}` }),
      listItwinMembers: async () => ({ as: admin, method: "GET", path: `/itwins/${itwin.id}/members` }),
      addItwinMember: async () => ({
        as: admin,
        method: "POST",
        path: `/itwins/${itwin.id}/members`,
        body: { userId: (await orgMember()).userId, roles: ["Read"] },
      }),
      changeItwinMember: async () => ({
        as: admin,
        method: "PATCH",
        path: `/itwins/${itwin.id}/members/${reader2.userId}`,
        body: { roles: ["View"] },
      }),
      removeItwinMember: async () => {
        const leaving = await orgMember();
        await admin.ok("POST", `/itwins/${itwin.id}/members`, { userId: leaving.userId, roles: ["Read"] });
        return { as: admin, method: "DELETE", path: `/itwins/${itwin.id}/members/${leaving.userId}` };
      },
      listItwinRoles: async () => ({ as: admin, method: "GET", path: `/itwins/${itwin.id}/roles` }),
      createItwinRole: async () => ({
        as: admin,
        method: "POST",
        path: `/itwins/${itwin.id}/roles`,
        body: { name: fresh("Reviewer"), permissions: ["imodels_read"] },
      }),
      changeItwinRole: async () => {
        const role = await admin.ok("POST", `/itwins/${itwin.id}/roles`, {
          name: fresh("Draft"),
          permissions: ["imodels_read"],
        });
        return {
          as: admin,
          method: "PATCH",
          path: `/itwins/${itwin.id}/roles/${role.id}`,
          body: { name: fresh("Checker"), permissions: ["imodels_write"] },
        };
      },
      deleteItwinRole: async () => {
        const role = await admin.ok("POST", `/itwins/${itwin.id}/roles`, {
          name: fresh("Doomed"),
          permissions: ["imodels_read"],
        });
        return { as: admin, method: "DELETE", path: `/itwins/${itwin.id}/roles/${role.id}` };
      },

      createImodel: async () => ({
        as: admin,
        method: "POST",
        path: `/itwins/${itwin.id}/imodels`,
        body: { name: "Unit 3" },
      }),
      listImodels: async () => ({ as: admin, method: "GET", path: `/itwins/${itwin.id}/imodels` }),
      getImodel: async () => ({ as: reader, method: "GET", path: `/imodels/${imodel.id}` }),
      deleteImodel: async () => {
        const doomed = await admin.ok("POST", `/itwins/${itwin.id}/imodels`, { name: "Doomed" });
        return { as: admin, method: "DELETE", path: `/imodels/${doomed.id}` };
      },
      renameImodel: async (n) => ({
        as: admin,
        method: "PATCH",
        path: `/imodels/${imodel.id}`,
        body: { name: `Unit 1 (${n})` },
      }),
      getImodelAccess: async () => {
        await admin.ok("PUT", `/imodels/${listed.id}/access`, accessList);
        return { as: admin, method: "GET", path: `/imodels/${listed.id}/access` };
      },
      getImodelPermissions: async () => ({ as: reader, method: "GET", path: `/imodels/${imodel.id}/permissions` }),
      setImodelAccess: async () => ({
        as: admin,
        method: "PUT",
        path: `/imodels/${listed.id}/access`,
        body: accessList,
      }),
      clearImodelAccess: async () => {
        await admin.ok("PUT", `/imodels/${listed.id}/access`, accessList);
        return { as: admin, method: "DELETE", path: `/imodels/${listed.id}/access` };
      },
      listChangesets: async () => ({ as: reader, method: "GET", path: `/imodels/${imodel.id}/changesets` }),
      pushChangeset: async () => ({
        as: writer,
        method: "POST",
        path: `/imodels/${imodel.id}/changesets`,
        body: { briefcaseId: briefcase.id, locks: ["element-1"] },
      }),
      listNamedVersions: async () => ({ as: reader, method: "GET", path: `/imodels/${imodel.id}/named-versions` }),
      createNamedVersion: async (n) => ({
        as: writer,
        method: "POST",
        path: `/imodels/${imodel.id}/named-versions`,
        body: { name: `Milestone ${n}` },
      }),
      modifyNamedVersion: async (n) => ({
        as: writer,
        method: "PATCH",
        path: `/named-versions/${namedVersion.id}`,
        body: { name: `Baseline ${n}` },
      }),
      createBriefcase: async () => ({ as: writer, method: "POST", path: `/imodels/${imodel.id}/briefcases` }),
      listLocks: async () => ({ as: reader, method: "GET", path: `/imodels/${imodel.id}/locks` }),
      releaseLocks: async () => {
        await writer.ok("POST", `/imodels/${imodel.id}/changesets`, {
          briefcaseId: briefcase.id,
          locks: ["element-2"],
        });
        return { as: writer, method: "DELETE", path: `/imodels/${imodel.id}/locks/${briefcase.id}` };
      },

      createConnection: async (n) => ({
        as: writer,
        method: "POST",
        path: `/imodels/${imodel.id}/connections`,
        body: connectionBody(`Site ${n}`),
      }),
      listConnections: async () => ({ as: reader, method: "GET", path: `/imodels/${imodel.id}/connections` }),
      getConnection: async () => ({ as: reader, method: "GET", path: `/connections/${connection.id}` }),
      editConnection: async (n) => ({
        as: writer,
        method: "PATCH",
        path: `/connections/${connection.id}`,
        body: { name: `Plant files ${n}` },
      }),
      deleteConnection: async () => {
        const doomed = await writer.ok("POST", `/imodels/${imodel.id}/connections`, connectionBody("Doomed"));
        return { as: writer, method: "DELETE", path: `/connections/${doomed.id}` };
      },
      setFileVersion: async (n) => ({
        as: writer,
        method: "PUT",
        path: `/connections/${connection.id}/files/f1`,
        body: { version: String(n + 1) },
      }),
      transferOwnership: async () => {
        const owner = await ownerOf();
        const to = writers.find((w) => w.userId !== owner)!;
        return { as: admin, method: "POST", path: `/connections/${connection.id}/owner`, body: { userId: to.userId } };
      },
      takeOwnership: async () => {
        const owner = await ownerOf();
        const taker = writers.find((w) => w.userId !== owner)!;
        // Takers alternate; reading the connection first makes the second call as steady as any other's.
        await taker.ok("GET", `/connections/${connection.id}`);
        return { as: taker, method: "POST", path: `/connections/${connection.id}/owner:take` };
      },
      startRun: async () => {
        const owner = await ownerOf();
        return {
          as: writers.find((w) => w.userId === owner),
          method: "POST",
          path: `/connections/${connection.id}/runs`,
        };
      },
      listRuns: async () => ({ as: reader, method: "GET", path: `/connections/${connection.id}/runs` }),
      getRun: async () => ({ as: reader, method: "GET", path: `/runs/${run.id}` }),
      getSyncToken: async () => ({ as: writer, method: "GET", path: "/me/sync-token" }),
      visitSyncPortal: async () => ({ as: writer, method: "POST", path: "/me/sync-token" }),
      getOrganizationAudit: async () => ({ as: admin, method: "GET", path: `/organizations/${org.id}/audit` }),
      getImodelAudit: async () => ({ as: admin, method: "GET", path: `/imodels/${imodel.id}/audit` }),
      listMyConnections: async () => ({ as: writer, method: "GET", path: "/me/connections" }),
      cancelRun: async () => {
        const busy = await writer.ok("POST", `/imodels/${imodel.id}/connections`, connectionBody(fresh("Busy")));
        const queued = await writer.ok("POST", `/connections/${busy.id}/runs`);
        // Its execution is dropped, not done: the run stays queued for the cancel.
        held.length = 0;
        return { as: writer, method: "POST", path: `/runs/${queued.id}/cancel` };
      },
    };

    // A new route must get a sample before this benchmark runs again; a sample for a route that is gone is a mistake too.
    const missing = routeList.filter((r) => !samples[r.id]).map((r) => `${r.id} (${routeKey(r)})`);
    const stale = Object.keys(samples).filter((id) => !routeList.some((r) => r.id === id));
    if (missing.length || stale.length) {
      throw new Error(
        [
          missing.length ? `Routes without a sample request in bench/requests.ts: ${missing.join(", ")}` : "",
          stale.length ? `Samples of unknown routes: ${stale.join(", ")}` : "",
        ]
          .filter(Boolean)
          .join("; "),
      );
    }

    const measure = async (
      route: RouteDef,
      n: number,
    ): Promise<{ counts: Counts; late: number; background?: string }> => {
      const call = await samples[route.id]!(n);
      if (!matches(route, call))
        throw new Error(`The sample of ${route.id} sends ${call.method} ${call.path}, not ${routeKey(route)}`);
      // The first call on an iModel route comes on a new day, after the sample's own preparation: it pays the day's interaction write.
      if (n === 1 && isImodelRoute(route)) advanceClock(DAY_MS);
      counting.reset();
      const reply = call.as
        ? await call.as.call(call.method, call.path, call.body)
        : await request(url, call.method, call.path);
      const counts = counting.counts();
      if (reply.status < 200 || reply.status > 299) throw failed(call.method, call.path, reply);
      // Work a handler leaves running after it answered would be billed too: wait a moment and report it.
      await new Promise((r) => setTimeout(r, 30));
      const late = total(counting.counts()) - total(counts);
      const jobs: string[] = [];
      for (const job of held.splice(0)) {
        counting.reset();
        await app.work(job);
        jobs.push(`${job.kind}: ${total(counting.counts())} (${describe(counting.counts())})`);
      }
      return { counts, late, ...(jobs.length ? { background: jobs.join("; ") } : {}) };
    };

    const rows: (string | number)[][] = [];
    const missed: string[] = [];
    /** Routes that wait on DynamoDB more than the target's requests would: a read once, or a read then a write. */
    const slow: string[] = [];
    for (const route of routeList) {
      if (ownClients.includes(route.group)) {
        await measure(route, 1);
        rows.push([route.id, routeKey(route), "-", "-", "-", "-", "not counted (own handler)", "-", "-", "-"]);
        continue;
      }
      const first = await measure(route, 1);
      const second = isImodelRoute(route) ? await measure(route, 2) : undefined;
      const steady = (second ?? first).counts;
      const met = meetsTarget(steady);
      if (!met) missed.push(`${route.id} ${steady.reads}r+${steady.writes}w`);
      if (steady.roundTrips > (steady.writes ? 2 : 1)) slow.push(`${route.id} ${steady.roundTrips}`);
      const late = Math.max(first.late, second?.late ?? 0);
      rows.push([
        route.id,
        routeKey(route),
        steady.reads,
        steady.writes,
        total(steady),
        steady.roundTrips,
        describe(steady) || "none",
        second
          ? `${total(first.counts)}${first.counts.interactionWrites ? ` (${first.counts.interactionWrites} interaction)` : ""}`
          : "-",
        (total(steady) === 0 ? "met (no request)" : verdict(met)) + (late ? `, +${late} after answering` : ""),
        (second ?? first).background ?? "-",
      ]);
    }

    console.log(
      "\n## DynamoDB requests per API operation (one valid request each; iModel routes: the second call, steady state)\n",
    );
    console.log(
      table(
        [
          "route",
          "method and path",
          "reads",
          "writes",
          "total",
          "round trips",
          "requests",
          "1st call total",
          "target: 1 read, or 1 write + <= 1 read",
          "background job (worker, after the answer)",
        ],
        rows,
      ),
    );
    const counted = routeList.filter((r) => !ownClients.includes(r.group)).length;
    const metCount = counted - missed.length;
    console.log(
      `\n${metCount} of ${counted} counted routes meet the target; ${missed.length} do not: ${missed.join(", ") || "none"}.`,
    );
    console.log(
      `Round trips (requests sent one after another): ${counted - slow.length} of ${counted} routes wait on DynamoDB no more than the target's requests would ` +
        `(once for a read, twice for a read and a write); ${slow.length} wait longer: ${slow.join(", ") || "none"}.`,
    );
    if (ownClients.length)
      console.log(
        `Not counted: the routes of ${ownClients.join(", ")}, whose module exports no routesOf to take the counting client.`,
      );
    const scans = rows.filter((r) => String(r[6]).includes("SCAN"));
    if (scans.length) console.log(`Scans: ${scans.map((r) => r[0]).join(", ")}`);
    summary(
      `requests: ${metCount} of ${counted} counted routes meet "1 read, or 1 write + at most 1 read"; ${missed.length} do not; ` +
        `${counted - slow.length} of ${counted} within the target's round trips`,
    );
    await closeServer(server);
  }),
);

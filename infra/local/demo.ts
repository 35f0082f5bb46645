// `npm run demo`: walks the running local stack through the product (roles, iModel permissions, a synchronization connection, its owner and token) and prints each step.
import { randomBytes } from "node:crypto";
import type { Role } from "../../shared/domain/roles";
import { keyFile, readClockOffset } from "./paths";
import { loadIssuer, localAudience, type Issuer } from "./tokens";

const apiUrl = (process.env.API_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
const sesUrl = `http://127.0.0.1:${process.env.SES_PORT ?? 8005}`;
/** Every name and user id carries it, so a second demo on the same data starts from scratch. */
const run = randomBytes(3).toString("hex");

interface User {
  name: string;
  id: string;
  email: string;
}

const user = (name: string): User => ({ name, id: `${name}-${run}`, email: `${name}.${run}@example.com` });
const alice = user("alice");
const bob = user("bob");
const carol = user("carol");
const dave = user("dave");
const erin = user("erin");
const frank = user("frank");
const grace = user("grace");
const heidi = user("heidi");
const ivan = user("ivan");

/** Stops the demo with a message that says what to do; anything else that escapes is a bug. */
class DemoStopped extends Error {}

let issuer: Issuer;

/** A token as `npm run token` mints it: issued on the service clock, which the demo moves, so the offset is read each time. */
async function tokenFor(who: User): Promise<string> {
  const issuedAt = Math.floor((Date.now() + readClockOffset()) / 1000);
  return issuer.mint(
    { sub: who.id, email: who.email, email_verified: true, name: capitalized(who.name) },
    { issuedAt, expiresInSeconds: 3600 },
  );
}

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

interface Reply {
  status: number;
  body: any;
}

async function request(who: User | undefined, method: string, path: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (who) headers.authorization = `Bearer ${await tokenFor(who)}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(apiUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new DemoStopped(
      `No answer from ${apiUrl} (${cause}). Start the local stack with \`npm start\`, or set API_URL to where it runs.`,
    );
  }
  const text = await response.text();
  try {
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  } catch {
    return { status: response.status, body: text };
  }
}

const indent = " ".repeat(10);

function heading(title: string, why: string): void {
  console.log(`\n${title}\n   ${why}`);
}

/** Ids are long; paths print them by the name the demo gave them (`{org}`), introduced where each was created. */
const labels = new Map<string, string>();
const named = (id: string, label: string) => {
  labels.set(id, `{${label}}`);
  return `${id} (called {${label}} below)`;
};
const readable = (path: string) => path.replace(/[a-z]+_[A-Za-z0-9_-]{16,}/g, (id) => labels.get(id) ?? id);

/** One request and its answer, two lines: who asked what, and what came back. Any other status than `expected` stops the demo. */
async function step(
  who: User,
  method: string,
  path: string,
  body: unknown,
  expected: number,
  describe: (body: any) => string,
): Promise<any> {
  const reply = await request(who, method, path, body);
  console.log(
    `  ${who.name.padEnd(8)}${method} ${readable(path)}${body === undefined ? "" : ` ${JSON.stringify(body)}`}`,
  );
  if (reply.status !== expected) {
    const error = reply.body?.error;
    const hint =
      reply.status === 404 && error?.message?.startsWith("No route")
        ? " This stack does not serve that route: restart `npm start` after updating the code."
        : reply.status === 401
          ? ` The stack refused the demo's token: run the demo from the folder where \`npm start\` runs (it signs with ${keyFile}).`
          : "";
    throw new DemoStopped(
      `expected ${expected}, got ${reply.status} ${error ? `${error.code}: ${error.message}` : JSON.stringify(reply.body)}.${hint}`,
    );
  }
  console.log(`${indent}→ ${reply.status} ${describe(reply.body)}`);
  return reply.body;
}

const refused = (body: any) => `${body.error.code}: ${body.error.message}`;
const day = (iso: string) => iso.slice(0, 16).replace("T", " ");

async function organisationAndRoles(): Promise<string> {
  heading(
    "1. An organisation and its roles (developer portal)",
    "Subscription Managers run the organisation; a member without a role may only read documentation.",
  );
  const org = await step(
    alice,
    "POST",
    "/organizations",
    { name: `Demo org ${run}` },
    201,
    (o) => `${named(o.id, "org")}: alice is its Administrator, so a ${o.yourRole}`,
  );
  const members: [User, Role | null][] = [
    [bob, "ApplicationManager"],
    [carol, "Developer"],
    [dave, null],
    [erin, "Developer"],
    [frank, "Developer"],
    [grace, "Developer"],
    [heidi, "Developer"],
    [ivan, "Developer"],
  ];
  for (const [member, role] of members) {
    await step(
      alice,
      "POST",
      `/organizations/${org.id}/members`,
      { userId: member.id, email: member.email, name: capitalized(member.name), ...(role ? { role } : {}) },
      201,
      (m) => `${member.name} joins ${m.role ? `as ${m.role}` : "without a role"}`,
    );
  }
  await step(dave, "GET", `/organizations/${org.id}`, undefined, 403, refused);
  await step(carol, "GET", `/organizations/${org.id}/subscription`, undefined, 403, refused);
  await step(
    alice,
    "GET",
    `/organizations/${org.id}/subscription`,
    undefined,
    200,
    (s) => `the subscription is ${s.status}, ${s.credits} credits`,
  );
  await step(alice, "DELETE", `/organizations/${org.id}/members/${alice.id}`, undefined, 409, refused);
  await step(
    carol,
    "POST",
    `/organizations/${org.id}/applications`,
    { name: `Field viewer ${run}` },
    201,
    (a) => `${named(a.id, "app")}, owned by ${a.owners.join(", ")}`,
  );
  await step(
    bob,
    "GET",
    `/organizations/${org.id}/applications`,
    undefined,
    200,
    (p) => `${p.items.length} application(s): an Application Manager sees every application`,
  );
  await step(
    erin,
    "GET",
    `/organizations/${org.id}/applications`,
    undefined,
    200,
    (p) => `${p.items.length} application(s): a Developer sees only the ones they own, not carol's`,
  );
  return org.id;
}

async function permissions(orgId: string): Promise<string> {
  heading(
    "2. An iTwin, its iModels and their permissions",
    "Team members hold cumulative levels: View < Read < Write < Manage < Delete.",
  );
  const itwin = await step(
    alice,
    "POST",
    `/organizations/${orgId}/itwins`,
    { name: `Riverside Plant ${run}` },
    201,
    (i) => `${named(i.id, "itwin")}: alice, its creator, holds every permission and manages the team`,
  );
  const levels: [User, string][] = [
    [erin, "View"],
    [frank, "Read"],
    [grace, "Write"],
    [heidi, "Manage"],
    [ivan, "Delete"],
  ];
  for (const [member, level] of levels) {
    await step(
      alice,
      "POST",
      `/itwins/${itwin.id}/members`,
      { userId: member.id, roles: [level] },
      201,
      (m) => `${member.name} joins the team with ${m.roles.join(", ")}`,
    );
  }
  await step(grace, "POST", `/itwins/${itwin.id}/imodels`, { name: "Unit 1" }, 403, refused);
  const unit1 = await step(heidi, "POST", `/itwins/${itwin.id}/imodels`, { name: "Unit 1" }, 201, (m) =>
    named(m.id, "unit1"),
  );
  const unit2 = await step(heidi, "POST", `/itwins/${itwin.id}/imodels`, { name: "Unit 2" }, 201, (m) =>
    named(m.id, "unit2"),
  );
  for (const [member] of levels) {
    await step(member, "GET", `/imodels/${unit1.id}/permissions`, undefined, 200, (p) => p.permissions.join(" "));
  }
  const list = {
    members: [
      { userId: heidi.id, roles: ["Manage"] },
      { userId: erin.id, roles: ["Write"] },
    ],
  };
  await step(
    heidi,
    "PUT",
    `/imodels/${unit1.id}/access`,
    list,
    200,
    () => "Unit 1 now has its own access list: it grants and it restricts",
  );
  await step(
    erin,
    "GET",
    `/imodels/${unit1.id}/permissions`,
    undefined,
    200,
    (p) => `${p.permissions.join(" ")} (View on the iTwin, Write on this iModel)`,
  );
  await step(
    frank,
    "GET",
    `/imodels/${unit1.id}/permissions`,
    undefined,
    200,
    (p) => `[${p.permissions.join(" ")}] (not on the list: nothing here any more)`,
  );
  return unit2.id;
}

/** A manual run answers `queued` and executes in the background: start it, then follow it until it ends. */
async function runNow(who: User, runs: string, describe: (run: any) => string): Promise<void> {
  const queued = await step(who, "POST", runs, undefined, 201, (r) => `run ${r.state}; it executes in the background`);
  for (let attempt = 0; attempt < 50; attempt++) {
    const reply = await request(who, "GET", `/runs/${queued.id}`);
    if (reply.status === 200 && (reply.body.state === "succeeded" || reply.body.state === "failed")) {
      console.log(`  ${who.name.padEnd(8)}GET /runs/${queued.id}\n${indent}→ 200 ${describe(reply.body)}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new DemoStopped(`run ${queued.id} did not finish within 5 seconds`);
}

async function synchronization(imodelId: string): Promise<void> {
  heading(
    "3. A synchronization connection and its owner",
    "Scheduled runs act on the owner's behalf, with the owner's rights and synchronization token (valid 30 days).",
  );
  const files = [
    { id: "architecture", name: "Architecture.dgn", version: "1" },
    { id: "structure", name: "Structure.dgn", version: "1" },
  ];
  const connection = await step(
    grace,
    "POST",
    `/imodels/${imodelId}/connections`,
    { name: `Plant sync ${run}`, files, schedule: { every: "P1D" } },
    201,
    (c) => `${named(c.id, "conn")}, owner ${c.ownerId}, next scheduled run ${day(c.nextDueAt)}`,
  );
  const runs = `/connections/${connection.id}/runs`;
  await step(
    grace,
    "POST",
    "/me/sync-token",
    undefined,
    200,
    (t) => `grace visits the synchronization portal: her token is ${t.status} until ${day(t.expiresAt)}`,
  );
  await runNow(grace, runs, (r) => `run ${r.state}: changeset #${r.changesetIndex} from ${r.changedFiles.join(", ")}`);
  await step(
    grace,
    "PUT",
    `/connections/${connection.id}/files/architecture`,
    { version: "2" },
    200,
    (f) => `${f.name} is now version ${f.version}`,
  );
  await runNow(
    grace,
    runs,
    (r) => `run ${r.state}: changeset #${r.changesetIndex} from ${r.changedFiles.join(", ")} only`,
  );
  await step(grace, "POST", `/connections/${connection.id}/owner`, { userId: ivan.id }, 409, refused);
  await step(
    ivan,
    "GET",
    `/imodels/${imodelId}`,
    undefined,
    200,
    (m) => `ivan opens "${m.name}": he has now interacted with it`,
  );
  await step(
    grace,
    "POST",
    `/connections/${connection.id}/owner`,
    { userId: ivan.id },
    200,
    (o) =>
      `ivan owns it; his token is ${o.newOwner.token.status}${o.newOwner.advice ? `. ${o.newOwner.advice}` : ""} (ivan is e-mailed)`,
  );
  await runNow(
    ivan,
    runs,
    (r) =>
      `run ${r.state}${r.changesetIndex === undefined ? ", nothing changed so no changeset" : ""}; starting it issued ivan's token`,
  );
  await step(
    ivan,
    "GET",
    "/me/sync-token",
    undefined,
    200,
    (t) => `ivan's token is ${t.status} until ${day(t.expiresAt)}`,
  );

  heading(
    "4. Time passes",
    "The local stack's clock moves; the scheduled trigger (EventBridge on AWS) does the due work.",
  );
  console.log(`  ${"(local)".padEnd(8)}POST /_local/clock {"advance":"P31D"}`);
  const moved = await request(undefined, "POST", "/_local/clock", { advance: "P31D" });
  if (moved.status !== 200)
    throw new DemoStopped(`POST /_local/clock answered ${moved.status}: ${JSON.stringify(moved.body)}`);
  console.log(`${indent}→ 200 the service clock reads ${day(moved.body.now)}, a day past ivan's token expiry`);
  console.log(`  ${"(local)".padEnd(8)}POST /_local/tick`);
  const tick = await request(undefined, "POST", "/_local/tick");
  if (tick.status !== 200)
    throw new DemoStopped(`POST /_local/tick answered ${tick.status}: ${JSON.stringify(tick.body)}`);
  const work = Object.entries((tick.body.work ?? {}) as Record<string, number>);
  // The stack's own timer ticks every minute too, and may have done the work a moment earlier.
  const idle = work.every(([, n]) => n === 0) ? " (the stack's timer had just done the work)" : "";
  console.log(`${indent}→ 200 ${work.map(([step, n]) => `${step} ${n}`).join(", ")}${idle}`);
  await step(ivan, "GET", `${runs}?limit=1`, undefined, 200, (p) => {
    const latest = p.items[0];
    return `latest run: ${latest.trigger}, ${latest.state}${latest.reason ? ` (${latest.reason})` : ""}`;
  });
  await step(
    ivan,
    "GET",
    "/me/sync-token",
    undefined,
    200,
    (t) => `ivan's token is ${t.status}: a portal visit or a manual run issues a new one`,
  );
  await step(ivan, "GET", "/me/connections", undefined, 200, (p) =>
    p.items
      .map(
        (c: {
          name: string;
          paused: boolean;
          lastRun?: { state: string; reason?: string };
          ownerToken: { status: string };
        }) =>
          `ivan owns "${c.name}": ${c.paused ? "paused" : "scheduled"}, last run ${c.lastRun?.state ?? "none"}${c.lastRun?.reason ? ` (${c.lastRun.reason})` : ""}, his token ${c.ownerToken.status}`,
      )
      .join("; "),
  );
  await step(
    ivan,
    "PATCH",
    `/connections/${connection.id}`,
    { paused: true },
    200,
    (c) =>
      `paused until ivan renews his token: no scheduled run, and none caught up when he resumes (paused: ${c.paused})`,
  );
}

async function mail(): Promise<void> {
  heading(
    "5. The mail that resulted",
    `What the local SES server received for this run's users; ${sesUrl} shows it as HTML.`,
  );
  let ours: { to: string[]; subject: string; text: string }[] = [];
  // Two notifications are due (the transfer and the expiry); delivery runs just after the change that records it.
  for (let attempt = 0; attempt < 10 && ours.length < 2; attempt++) {
    if (attempt) await new Promise((r) => setTimeout(r, 300));
    const reply = await request(undefined, "GET", "/_local/mail");
    if (reply.status !== 200)
      throw new DemoStopped(`GET /_local/mail answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    ours = (reply.body.items as typeof ours).filter((m) => m.to.some((to) => to.endsWith(`.${run}@example.com`)));
  }
  if (!ours.length) console.log("  (none yet: the SES server may still be receiving it; look again at the page above)");
  for (const m of ours) {
    console.log(`\n  To: ${m.to.join(", ")}\n  Subject: ${m.subject}\n`);
    console.log(
      m.text
        .trimEnd()
        .split("\n")
        .map((line) => `    ${line}`)
        .join("\n"),
    );
  }
}

async function main(): Promise<void> {
  const health = await request(undefined, "GET", "/health");
  if (health.status !== 200)
    throw new DemoStopped(
      `${apiUrl}/health answered ${health.status}; is the Twin Access local stack what runs there?`,
    );
  const port = new URL(apiUrl).port || "80";
  issuer = await loadIssuer(keyFile, `http://127.0.0.1:${port}`, localAudience);
  console.log(`Twin Access demo, run ${run}, against ${apiUrl}`);
  console.log(`Each step: who acts, the request they send, and → what the API answered. Users are <name>-${run}.`);
  const orgId = await organisationAndRoles();
  const imodelId = await permissions(orgId);
  await synchronization(imodelId);
  await mail();
  // `npm run token` signs for the port in PORT, as the stack does.
  const env = port === "3000" ? "" : `PORT=${port} `;
  console.log(
    `\nAPI reference: ${apiUrl}/docs   Mail: ${sesUrl}   Sign in as one of these users: ${env}npm run token -- alice-${run}`,
  );
}

main().catch((error: unknown) => {
  if (error instanceof DemoStopped) console.error(`\nDemo stopped: ${error.message}`);
  else console.error(error);
  process.exit(1);
});

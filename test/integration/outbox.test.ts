// Faults: mail recorded with its change survives an SES outage and is delivered once after; a crashed run is failed as Interrupted and frees its connection.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { makeApp } from "../../shared/app";
import { mintRunId } from "../../shared/child-ids";
import { advanceClock, clock } from "../../shared/clock";
import type { Caller } from "../../shared/http/caller";
import { makeSesClient, SesMailSender } from "../../shared/mail/sender";
import { makeDocumentClient } from "../../shared/store/client";
import { settled } from "../../shared/jobs";
import { DynamoOutboxStore } from "../../shared/store/outbox";
import { DynamoSyncStore } from "../../shared/store/sync";
import { MAX_DELIVERY_ATTEMPTS } from "../../shared/usecases/notifications";
import { freePort } from "../../infra/local/free-port";
import { startApi, type Client, type TestApi } from "../support/api";
import { emailOf, mailTo, teamWith } from "../support/sync";

let api: TestApi;
let table: { ddb: ReturnType<typeof makeDocumentClient>; tableName: string };
beforeAll(async () => {
  api = await startApi();
  table = { ddb: makeDocumentClient({ region: "local", endpoint: inject("dynamodbEndpoint") }), tableName: process.env.TABLE_NAME! };
});
afterAll(() => api.close());

const tick = async () => (await api.request("POST", "/_local/tick")).body as { work: Record<string, number> };
const callerOf = (client: Client): Caller => ({ userId: client.userId, email: emailOf(client), signedInAt: clock.now() });

/** The same service, but its SES endpoint is a port nothing listens on: a real outage, not a mock. */
async function appWithSesDown() {
  const port = await freePort();
  return makeApp({ mailer: new SesMailSender(makeSesClient({ region: "local", endpoint: `http://127.0.0.1:${port}` }), "no-reply@example.com") });
}

describe("notifications under an SES outage", () => {
  it("records the mail with the ownership change, and delivers it once when SES is back", async () => {
    const team = await teamWith(api, { owner: "Write", taker: "Write" });
    const { body: connection } = await team.members.owner!.post(`/imodels/${team.imodelId}/connections`, { name: "Outage", files: [] });

    const down = await appWithSesDown();
    const taken = await down.sync.take(callerOf(team.members.taker!), connection.id);
    expect(taken.connection.ownerId).toBe(team.members.taker!.userId);
    await settled(); // the delivery the change handed to the background, which fails
    expect(await mailTo(emailOf(team.members.owner!))).toHaveLength(0);

    // The next tick (SES up again) delivers it; later ticks do not send it again.
    advanceClock(2 * 60 * 1000);
    expect((await tick()).work.notificationsDelivered).toBeGreaterThanOrEqual(1);
    advanceClock(10 * 60 * 1000);
    await tick();
    const mail = await mailTo(emailOf(team.members.owner!));
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toContain("took ownership");
  });

  it("gives up after a bounded number of attempts and lists the notification for operators", async () => {
    const team = await teamWith(api, { owner: "Write", taker: "Write" });
    const { body: connection } = await team.members.owner!.post(`/imodels/${team.imodelId}/connections`, { name: "Doomed", files: [] });
    const down = await appWithSesDown();
    await down.sync.take(callerOf(team.members.taker!), connection.id);
    await settled();
    for (let i = 0; i < MAX_DELIVERY_ATTEMPTS + 2; i++) {
      advanceClock(7 * 60 * 60 * 1000);
      await down.notifications.deliverDue(100);
    }
    const failed = await new DynamoOutboxStore(table).failed(50);
    const mine = failed.filter((n) => n.recipient?.userId === team.members.owner!.userId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ status: "failed", attempts: MAX_DELIVERY_ATTEMPTS });
  });
});

describe("a run whose worker died", () => {
  it("blocks other runs and ownership changes until the trigger fails it as Interrupted after its lease", async () => {
    const team = await teamWith(api, { owner: "Write", taker: "Write" });
    let owner = team.members.owner!;
    const { body: created } = await owner.post(`/imodels/${team.imodelId}/connections`, { name: "Crash", files: [] });
    const store = new DynamoSyncStore(table);
    const connection = (await store.getConnection(created.id))!;
    const now = clock.now();
    const runId = mintRunId(connection.imodelId);
    // Queued, then the worker "crashes": nobody executes it.
    await store.queueRun(connection, {
      id: runId,
      connectionId: connection.id,
      imodelId: connection.imodelId,
      itwinId: connection.itwinId,
      trigger: "manual",
      ownerId: connection.ownerId,
      state: "queued",
      queuedAt: now.toISOString(),
      leaseUntil: new Date(now.getTime() + 5 * 60 * 1000).toISOString(),
    });

    const blocked = await owner.post(`/connections/${created.id}/runs`);
    expect(blocked.status).toBe(409);
    expect(blocked.body.error).toMatchObject({ code: "RunInProgress", details: { activeRunId: runId } });
    const take = await team.members.taker!.post(`/connections/${created.id}/owner:take`);
    expect(take.status).toBe(409);
    expect(take.body.error.code).toBe("RunInProgress");

    advanceClock(6 * 60 * 1000);
    owner = await api.as(owner.userId);
    expect((await tick()).work.runsInterrupted).toBeGreaterThanOrEqual(1);
    const crashed = await owner.get(`/runs/${runId}`);
    expect(crashed.body).toMatchObject({ state: "failed", reason: "Interrupted" });
    expect((await owner.post(`/connections/${created.id}/runs`)).status).toBe(201);
  });
});

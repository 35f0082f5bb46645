// Faults: mail recorded with its change survives an SES outage and is delivered once after; a crashed run is failed as Interrupted and frees its connection.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { makeApp } from "../../shared/app";
import { mintRunId } from "../../shared/child-ids";
import { advanceClock, clock } from "../../shared/clock";
import type { Caller } from "../../shared/domain/caller";
import { makeSesClient, SesMailSender } from "../../shared/mail/sender";
import { makeDocumentClient } from "../../shared/store/client";
import { settled } from "../../shared/jobs";
import { DynamoOutboxStore } from "../../shared/store/outbox";
import { DynamoSyncStore } from "../../shared/store/sync";
import { notificationUseCases } from "../../shared/usecases/notifications";
import { DynamoOrganizationStore } from "../../shared/store/organizations";
import { config } from "../../shared/config";
import { pendingFor } from "../support/mail";
import { freePort } from "../../infra/local/free-port";
import { startApi, type Client, type TestApi } from "../support/api";
import { emailOf, mailTo, teamWith } from "../support/sync";

let api: TestApi;
let table: { ddb: ReturnType<typeof makeDocumentClient>; tableName: string };
beforeAll(async () => {
  api = await startApi();
  table = {
    ddb: makeDocumentClient({ region: "local", endpoint: inject("dynamodbEndpoint") }),
    tableName: process.env.TABLE_NAME!,
  };
});
afterAll(() => api.close());

const tick = async () => (await api.request("POST", "/_local/tick")).body as { work: Record<string, number> };
const callerOf = (client: Client): Caller => ({
  userId: client.userId,
  email: emailOf(client),
  signedInAt: clock.now(),
});

/** The same service, but its SES endpoint is a port nothing listens on: a real outage, not a mock. */
async function appWithSesDown() {
  const port = await freePort();
  return makeApp({
    mailer: new SesMailSender(
      makeSesClient({ region: "local", endpoint: `http://127.0.0.1:${port}` }),
      "no-reply@example.com",
    ),
  });
}

describe("notifications under an SES outage", () => {
  it("records the mail with the ownership change, and delivers it once when SES is back", async () => {
    const team = await teamWith(api, { owner: "Write", taker: "Write" });
    const { body: connection } = await team.members.owner!.post(`/imodels/${team.imodelId}/connections`, {
      name: "Outage",
      files: [],
    });

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

  it("keeps every mail through three days of SES outage, retried at most an hour apart, and delivers each exactly once after", async () => {
    const team = await teamWith(api, { first: "Write", second: "Write", taker: "Write" });
    const { first, second, taker } = team.members as Record<string, Client>;
    const down = await appWithSesDown();
    const recipients = [first!, second!];
    for (const [i, owner] of recipients.entries()) {
      for (const n of [1, 2]) {
        const { body: connection } = await owner.post(`/imodels/${team.imodelId}/connections`, {
          name: `Outage ${i}.${n}`,
          files: [],
        });
        await down.sync.take(callerOf(taker!), connection.id);
      }
    }
    await settled();
    const ids = recipients.map((r) => r.userId);
    expect(await pendingFor(table, clock.now(), ids)).toHaveLength(4);

    // Three days of the service's clock with SES unreachable, the trigger trying whatever is due every hour.
    const outageEnds = clock.now().getTime() + 3 * 24 * 60 * 60 * 1000;
    while (clock.now().getTime() < outageEnds) {
      advanceClock(60 * 60 * 1000);
      for (const note of await pendingFor(table, clock.now(), ids))
        if (Date.parse(note.nextAttemptAt) <= clock.now().getTime()) await down.notifications.deliver(note.id);
    }
    const waiting = await pendingFor(table, clock.now(), ids);
    expect(waiting).toHaveLength(4);
    for (const note of waiting) {
      expect(note.status).toBe("pending");
      expect(note.attempts).toBeGreaterThanOrEqual(60); // never given up
      expect(note.lastError).toMatch(/ECONNREFUSED|connect/i);
      expect(Date.parse(note.nextAttemptAt) - clock.now().getTime()).toBeLessThanOrEqual(60 * 60 * 1000);
    }
    expect(await mailTo(emailOf(first!))).toHaveLength(0);

    // SES is back: within the hour every mail arrives, once.
    advanceClock(60 * 60 * 1000);
    await tick();
    advanceClock(2 * 60 * 60 * 1000);
    await tick();
    for (const [i, owner] of recipients.entries()) {
      const mail = await mailTo(emailOf(owner));
      expect(mail.map((m) => /"(Outage [\d.]+)"$/.exec(m.subject)![1]).sort()).toEqual([
        `Outage ${i}.1`,
        `Outage ${i}.2`,
      ]);
    }
    expect(await pendingFor(table, clock.now(), ids)).toHaveLength(0);
  });

  it("sends twice only when the deliverer dies between SES taking the mail and marking it sent (injected fault)", async () => {
    const team = await teamWith(api, { owner: "Write", taker: "Write" });
    const owner = team.members.owner!;
    const { body: connection } = await owner.post(`/imodels/${team.imodelId}/connections`, {
      name: "Twice",
      files: [],
    });
    const down = await appWithSesDown();
    await down.sync.take(callerOf(team.members.taker!), connection.id);
    await settled();
    const [note] = await pendingFor(table, clock.now(), [owner.userId]);

    // A deliverer whose Lambda "dies" right after SES answered: the mark never happens.
    class DiesBeforeMark extends DynamoOutboxStore {
      override async markSent(): Promise<void> {
        throw Object.assign(new Error("(injected fault) the deliverer died after the send"), { name: "InjectedFault" });
      }
    }
    const orgs = new DynamoOrganizationStore(table);
    const dying = notificationUseCases({
      outbox: new DiesBeforeMark(table),
      sender: new SesMailSender(
        makeSesClient({ region: "local", endpoint: inject("sesEndpoint") }),
        "no-reply@example.com",
      ),
      clock,
      contacts: async ({ orgId, userId }) => (await orgs.getMembers(orgId, [userId]))[0],
      mailPerHour: config.MAIL_MAX_PER_HOUR,
    });
    advanceClock(5 * 60 * 1000);
    await expect(dying.deliver(note!.id)).rejects.toThrow("(injected fault)");
    expect(await mailTo(emailOf(owner))).toHaveLength(1);

    // While its claim lasts nobody sends it again; after, the trigger does, once, and marks it.
    await tick();
    expect(await mailTo(emailOf(owner))).toHaveLength(1);
    advanceClock(2 * 60 * 1000);
    await tick();
    advanceClock(60 * 60 * 1000);
    await tick();
    expect(await mailTo(emailOf(owner))).toHaveLength(2);
    expect(await new DynamoOutboxStore(table).get(note!.id)).toMatchObject({ status: "sent" });
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

// Mail an attacker cannot turn into a weapon (issue 13, point 5), and mail SES refuses or throttles (issue 14, point 7): counted from the local SES server.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { makeApp } from "../../shared/app";
import { advanceClock, clock } from "../../shared/clock";
import { config } from "../../shared/config";
import type { Caller } from "../../shared/domain/caller";
import { settled } from "../../shared/jobs";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { makeDocumentClient } from "../../shared/store/client";
import { keys } from "../../shared/store/keys";
import { DynamoOutboxStore } from "../../shared/store/outbox";
import { startApi, type Client, type TestApi } from "../support/api";
import { messageRejected, pendingFor, senderWithFault, throttling } from "../support/mail";
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
const limit = config.MAIL_MAX_PER_HOUR;
const minutes = (n: number) => n * 60_000;

describe("no mail cannon: at most the hourly limit to one address, the rest in one digest", () => {
  it("two members taking a connection back and forth 15 times each send each other 10 mails, then one digest an hour later", async () => {
    expect(limit).toBe(10);
    const team = await teamWith(api, { alice: "Write", bob: "Write" });
    const alice = team.members.alice!;
    const bob = team.members.bob!;
    const { body: connection } = await alice.post(`/imodels/${team.imodelId}/connections`, {
      name: "Ping-pong",
      files: [],
    });
    for (let i = 0; i < 15; i++) {
      expect((await bob.post(`/connections/${connection.id}/owner:take`)).status).toBe(200);
      expect((await alice.post(`/connections/${connection.id}/owner:take`)).status).toBe(200);
    }
    await settled();
    for (const who of [alice, bob]) {
      const mail = await mailTo(emailOf(who));
      expect(mail).toHaveLength(limit);
      expect(mail.every((m) => m.subject.includes("took ownership"))).toBe(true);
    }

    // Within the hour nothing more goes out, however often the trigger runs.
    advanceClock(minutes(30));
    await tick();
    expect(await mailTo(emailOf(alice))).toHaveLength(limit);

    // An hour after the first mail, one digest carries the five held back.
    advanceClock(minutes(31));
    await tick();
    for (const who of [alice, bob]) {
      const mail = await mailTo(emailOf(who));
      expect(mail).toHaveLength(limit + 1);
      const digest = mail[limit]!;
      expect(digest.subject).toBe("5 notifications held back: synchronization notifications digest");
      // Each held mail appears with its subject and what it said.
      expect(digest.text.match(/^\d+\. .* took ownership of "Ping-pong"/gm)).toHaveLength(5);
      expect(digest.text.match(/took ownership of the synchronization connection "Ping-pong"/g)).toHaveLength(5);
    }
    advanceClock(minutes(120));
    await tick();
    await tick();
    expect(await mailTo(emailOf(alice))).toHaveLength(limit + 1);
    expect(await mailTo(emailOf(bob))).toHaveLength(limit + 1);
    const outbox = new DynamoOutboxStore(table);
    expect(await pendingFor(table, clock.now(), [alice.userId, bob.userId])).toHaveLength(0);
    expect((await outbox.failed(100)).filter((n) => n.recipient?.userId === alice.userId)).toHaveLength(0);
  });

  it("twenty takes at the same moment of twenty connections send their owner exactly 10 mails, and the other 10 in one digest", async () => {
    const team = await teamWith(api, { owner: "Write", taker: "Write" });
    const owner = team.members.owner!;
    const connections = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        owner.post(`/imodels/${team.imodelId}/connections`, { name: `Race ${i}`, files: [] }),
      ),
    );
    const takes = await Promise.all(
      connections.map(({ body }) => team.members.taker!.post(`/connections/${body.id}/owner:take`)),
    );
    expect(takes.map((t) => t.status)).toEqual(Array(20).fill(200));
    await settled();
    expect(await mailTo(emailOf(owner))).toHaveLength(limit);

    advanceClock(minutes(61));
    await tick();
    await tick();
    const mail = await mailTo(emailOf(owner));
    expect(mail).toHaveLength(limit + 1);
    const digest = mail[limit]!;
    expect(digest.subject).toMatch(/^10 notifications held back/);
    // Every connection is told about exactly once, in a single mail or in the digest: nothing lost, nothing twice.
    const single = mail.slice(0, limit).map((m) => /of "(Race \d+)"$/.exec(m.subject)![1]);
    const digested = [...digest.text.matchAll(/^\d+\. .* of "(Race \d+)"/gm)].map((x) => x[1]);
    const told = [...single, ...digested];
    expect(told.sort()).toEqual(connections.map((_, i) => `Race ${i}`).sort());
  });

  it("a notification made while a digest waits joins it instead of overtaking it", async () => {
    const team = await teamWith(api, { owner: "Write", taker: "Write" });
    const owner = team.members.owner!;
    const connections = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        owner.post(`/imodels/${team.imodelId}/connections`, { name: `Queue ${i}`, files: [] }),
      ),
    );
    for (const { body } of connections.slice(0, 11))
      expect((await team.members.taker!.post(`/connections/${body.id}/owner:take`)).status).toBe(200);
    expect(await mailTo(emailOf(owner))).toHaveLength(limit);

    // The first slot of the hour frees; before the trigger sends the digest, one more take happens.
    advanceClock(minutes(61));
    const taker = await api.as(team.members.taker!.userId);
    expect((await taker.post(`/connections/${connections[11]!.body.id}/owner:take`)).status).toBe(200);
    expect(await mailTo(emailOf(owner))).toHaveLength(limit);
    await tick();
    const mail = await mailTo(emailOf(owner));
    expect(mail).toHaveLength(limit + 1);
    expect(mail[limit]!.subject).toMatch(/^2 notifications held back/);
    expect(mail[limit]!.text).toContain('"Queue 10"');
    expect(mail[limit]!.text).toContain('"Queue 11"');
  });
});

describe("user text in mail", () => {
  it("a connection named to forge a Bcc header, taken by a user whose name does the same, gives a one-line subject and no mail to the victim", async () => {
    const team = await teamWith(api, { owner: "Write", taker: "Write" });
    const owner = team.members.owner!;
    const forged = "x\r\nBcc: victim@example.com";
    // The edge refuses the name (400); the mail layer must be safe anyway, e.g. for a name stored before that rule.
    expect((await owner.post(`/imodels/${team.imodelId}/connections`, { name: forged, files: [] })).status).toBe(400);
    const created = await owner.post(`/imodels/${team.imodelId}/connections`, { name: "x", files: [] });
    expect(created.status).toBe(201);
    await table.ddb.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keys.connection(team.imodelId, created.body.id),
        UpdateExpression: "SET #name = :forged",
        ExpressionAttributeNames: { "#name": "name" },
        ExpressionAttributeValues: { ":forged": forged },
      }),
    );
    const taker = await api.as(team.members.taker!.userId, { name: "Eve\r\nBcc: victim@example.com\u2028\u0085" });
    expect((await taker.post(`/connections/${created.body.id}/owner:take`)).status).toBe(200);
    const [mail, ...more] = await mailTo(emailOf(owner));
    expect(more).toHaveLength(0);
    expect(mail!.subject).toBe('Eve Bcc: victim@example.com took ownership of "x Bcc: victim@example.com"');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the subject must carry no control character
    expect(mail!.subject).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(mail!.to).toEqual([emailOf(owner)]);
    // The names stay on one line in the bodies too: no line of the text starts with a forged "Bcc:".
    expect(mail!.text.split("\n").some((line) => line.startsWith("Bcc:"))).toBe(false);
    expect(await mailTo("victim@example.com")).toHaveLength(0);
  });

  it("names are HTML-escaped in the HTML body: markup a user wrote is shown, never run", async () => {
    const team = await teamWith(api, { owner: "Write", taker: "Write" });
    const owner = team.members.owner!;
    const name = `<img src=x onerror="alert(1)"> & <a href='https://evil.example'>`;
    const created = await owner.post(`/imodels/${team.imodelId}/connections`, { name, files: [] });
    const taker = await api.as(team.members.taker!.userId, { name: "<script>alert(2)</script>" });
    expect((await taker.post(`/connections/${created.body.id}/owner:take`)).status).toBe(200);
    const [mail] = await mailTo(emailOf(owner));
    expect(mail!.html).toContain(
      "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &lt;a href=&#39;https://evil.example&#39;&gt;",
    );
    expect(mail!.html).toContain("&lt;script&gt;alert(2)&lt;/script&gt;");
    expect(mail!.html).not.toMatch(/<img|<script|<a /i);
    expect(mail!.text).toContain(name);
  });
});

describe("SES refusals and throttling", () => {
  it("a permanent refusal of the address (injected fault: MessageRejected) ends the mail at once, keeps SES's reason and lists it for operators", async () => {
    const team = await teamWith(api, { owner: "Write", taker: "Write" });
    const owner = team.members.owner!;
    const { body: connection } = await owner.post(`/imodels/${team.imodelId}/connections`, {
      name: "Refused",
      files: [],
    });
    let sends = 0;
    const refusing = makeApp({
      mailer: senderWithFault((to) => {
        sends++;
        return to.includes(emailOf(owner)) ? messageRejected() : undefined;
      }),
    });
    await refusing.sync.take(callerOf(team.members.taker!), connection.id);
    await settled();
    expect(sends).toBe(1); // refused once, never retried

    const outbox = new DynamoOutboxStore(table);
    const listed = (await outbox.failed(100)).filter((n) => n.recipient?.userId === owner.userId);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ status: "failed", attempts: 0 });
    expect(listed[0]!.lastError).toBe(
      "MessageRejected: Email address is not verified. The following identities failed the check: x",
    );
    expect(await pendingFor(table, clock.now(), [owner.userId])).toHaveLength(0);

    advanceClock(minutes(90));
    await refusing.notifications.deliverDue(1000);
    await tick();
    expect(sends).toBe(1);
    expect(await mailTo(emailOf(owner))).toHaveLength(0);
  });

  it("throttling (injected fault: SES Throttling) delays the mail without using attempts, and it arrives once after", async () => {
    const team = await teamWith(api, { owner: "Write", taker: "Write" });
    const owner = team.members.owner!;
    const { body: connection } = await owner.post(`/imodels/${team.imodelId}/connections`, {
      name: "Throttled",
      files: [],
    });
    const throttled = makeApp({
      mailer: senderWithFault((to) => (to.includes(emailOf(owner)) ? throttling() : undefined)),
    });
    await throttled.sync.take(callerOf(team.members.taker!), connection.id);
    await settled();
    for (let i = 0; i < 12; i++) {
      advanceClock(minutes(61));
      for (const note of await pendingFor(table, clock.now(), [owner.userId]))
        await throttled.notifications.deliver(note.id);
    }
    const [note, ...others] = await pendingFor(table, clock.now(), [owner.userId]);
    expect(others).toHaveLength(0);
    expect(note).toMatchObject({ status: "pending", attempts: 0, throttles: 13 });
    expect(note!.lastError).toBe("Throttling: Maximum sending rate exceeded.");
    // Retried at most an hour apart: the next attempt is due within the hour.
    expect(Date.parse(note!.nextAttemptAt) - clock.now().getTime()).toBeLessThanOrEqual(minutes(60));

    advanceClock(minutes(61));
    await tick();
    await tick();
    const mail = await mailTo(emailOf(owner));
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toContain('took ownership of "Throttled"');
  });
});

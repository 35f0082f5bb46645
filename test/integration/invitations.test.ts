// Invitations by e-mail through HTTP: listed to Subscription Managers, withdrawn, expired after INVITATION_DAYS, and withdrawn by a removal.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advanceClock } from "../../shared/clock";
import { DEFAULT_INVITATION_DAYS } from "../../shared/domain/invitations";
import { startApi, uniqueUser, type Client, type TestApi } from "../support/api";
import { orgWith } from "../support/orgs";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

const DAY_MS = 24 * 3600 * 1000;

/** Every open invitation, page by page. */
async function invitationsOf(client: Client, orgId: string, limit = 2) {
  const all: { email: string; role: string | null; invitedAt: string; expiresAt: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.get(
      `/organizations/${orgId}/invitations?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`,
    );
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    all.push(...page.body.items);
    cursor = page.body.next;
  } while (cursor);
  return all;
}

async function invite(admin: Client, orgId: string, role: string | null = "Developer") {
  const address = `${uniqueUser("invitee")}@example.com`;
  const answer = await admin.post(`/organizations/${orgId}/members`, { email: address, role });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return address;
}

describe("the open invitations", () => {
  it("lists every open invitation to a Subscription Manager, page by page, with when it expires", async () => {
    const { orgId, admin, members } = await orgWith(api, { am: "ApplicationManager" });
    const addresses = [await invite(admin, orgId), await invite(admin, orgId, null), await invite(admin, orgId)];
    const listed = await invitationsOf(admin, orgId);
    expect(listed.map((i) => i.email).sort()).toEqual([...addresses].sort());
    for (const invitation of listed)
      expect(Date.parse(invitation.expiresAt) - Date.parse(invitation.invitedAt)).toBe(
        DEFAULT_INVITATION_DAYS * DAY_MS,
      );
    expect((await members.am!.get(`/organizations/${orgId}/invitations`)).status).toBe(403);
    expect((await (await api.as(uniqueUser("outsider"))).get(`/organizations/${orgId}/invitations`)).status).toBe(404);
  });

  it("refuses a cursor of another list", async () => {
    const { orgId, admin } = await orgWith(api, { a: "Developer", b: "Developer" });
    const members = await admin.get(`/organizations/${orgId}/members?limit=1`);
    const answer = await admin.get(`/organizations/${orgId}/invitations?cursor=${members.body.next}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.fields[0].field).toBe("query.cursor");
  });
});

describe("an invitation expires", () => {
  it("is neither taken nor listed after INVITATION_DAYS, and the address can be invited again", async () => {
    const { orgId, admin: before } = await orgWith(api);
    const address = await invite(before, orgId);
    const kept = await invite(before, orgId);
    advanceClock(DEFAULT_INVITATION_DAYS * DAY_MS + 1000);
    // Tokens last hours: the Administrator signs in again.
    const admin = await api.as(before.userId);

    expect((await invitationsOf(admin, orgId)).map((i) => i.email)).toEqual([]);
    const late = await api.as(uniqueUser("late"), { email: address });
    expect((await late.get(`/organizations/${orgId}`)).status).toBe(404);
    expect((await admin.delete(`/organizations/${orgId}/invitations/${kept}`)).status).toBe(404);

    // Invited again, the address joins with the new invitation's role.
    expect(
      (await admin.post(`/organizations/${orgId}/members`, { email: address, role: "ApplicationManager" })).status,
    ).toBe(201);
    expect((await invitationsOf(admin, orgId)).map((i) => i.email)).toEqual([address]);
    const joined = await late.get(`/organizations/${orgId}`);
    expect(joined.status).toBe(200);
    expect(joined.body.yourRole).toBe("ApplicationManager");
  });

  it("is taken the moment before it expires", async () => {
    const { orgId, admin } = await orgWith(api);
    const address = await invite(admin, orgId);
    advanceClock(DEFAULT_INVITATION_DAYS * DAY_MS - 60_000);
    const user = await api.as(uniqueUser("just-in-time"), { email: address });
    expect((await user.get(`/organizations/${orgId}`)).status).toBe(200);
  });
});

describe("withdrawing an invitation", () => {
  it("takes it back, whatever the case of the address: the address no longer joins, and a second withdrawal is 404", async () => {
    const { orgId, admin, members } = await orgWith(api, { dev: "Developer" });
    const address = await invite(admin, orgId);
    expect((await members.dev!.delete(`/organizations/${orgId}/invitations/${address}`)).status).toBe(403);
    expect((await admin.delete(`/organizations/${orgId}/invitations/${address.toUpperCase()}`)).status).toBe(204);
    expect(await invitationsOf(admin, orgId)).toEqual([]);
    const user = await api.as(uniqueUser("withdrawn"), { email: address });
    expect((await user.get(`/organizations/${orgId}`)).status).toBe(404);
    const again = await admin.delete(`/organizations/${orgId}/invitations/${address}`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe("NotFound");
  });

  it("lets exactly one of a withdrawal and the invitee's first request win, 20 times over", async () => {
    const { orgId, admin } = await orgWith(api);
    const rounds = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const address = await invite(admin, orgId);
        const user = await api.as(uniqueUser("racer"), { email: address });
        const [withdrawal, visit] = await Promise.all([
          admin.delete(`/organizations/${orgId}/invitations/${address}`),
          user.get(`/organizations/${orgId}`),
        ]);
        return { withdrawal: withdrawal.status, visit: visit.status, user };
      }),
    );
    for (const round of rounds) {
      expect([round.withdrawal, round.visit].sort()).toEqual(round.withdrawal === 204 ? [204, 404] : [200, 404]);
      // The winner's outcome holds: a member stays one, a withdrawn address stays out.
      expect((await round.user.get(`/organizations/${orgId}`)).status).toBe(round.visit);
    }
    expect(await invitationsOf(admin, orgId, 50)).toEqual([]);
  });
});

describe("removing a member withdraws their pending invitation", () => {
  it("so a removed member does not re-join through an invitation left from before they were added", async () => {
    const { orgId, admin } = await orgWith(api);
    const address = await invite(admin, orgId);
    const userId = uniqueUser("added-too");
    // Added by user id while the invitation to the same address waits: the member item wins, the invitation stays.
    expect(
      (await admin.post(`/organizations/${orgId}/members`, { userId, email: address, role: "Developer" })).status,
    ).toBe(201);
    const user = await api.as(userId, { email: address });
    expect((await user.get(`/organizations/${orgId}`)).status).toBe(200);
    expect((await invitationsOf(admin, orgId)).map((i) => i.email)).toEqual([address]);

    expect((await admin.delete(`/organizations/${orgId}/members/${userId}`)).status).toBe(204);
    expect(await invitationsOf(admin, orgId)).toEqual([]);
    expect((await user.get(`/organizations/${orgId}`)).status).toBe(404);
  });

  it("also for the verified address the member signed in with, in a removal of many", async () => {
    const { orgId, admin } = await orgWith(api, { a: "Developer", b: "Developer" });
    const [a, b] = [uniqueUser("a"), uniqueUser("b")];
    const addresses = { a: await invite(admin, orgId), b: await invite(admin, orgId) };
    for (const [userId, address] of [
      [a, addresses.a],
      [b, addresses.b],
    ] as const) {
      expect(
        (
          await admin.post(`/organizations/${orgId}/members`, {
            userId,
            email: `typed-${userId}@example.com`,
            role: "Developer",
          })
        ).status,
      ).toBe(201);
      // Their own token carries the invited address: it is recorded as their verified one.
      expect((await (await api.as(userId, { email: address })).get(`/organizations/${orgId}`)).status).toBe(200);
    }
    const other = await invite(admin, orgId);
    expect((await admin.post(`/organizations/${orgId}/members:remove`, { userIds: [a, b] })).status).toBe(204);
    expect((await invitationsOf(admin, orgId)).map((i) => i.email)).toEqual([other]);
    for (const [userId, address] of [
      [a, addresses.a],
      [b, addresses.b],
    ] as const)
      expect((await (await api.as(userId, { email: address })).get(`/organizations/${orgId}`)).status).toBe(404);
  });
});

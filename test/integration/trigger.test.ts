// The scheduled trigger with a controlled clock: a daily schedule over 40 days, token warnings and expiry, leases, duplicated and overlapping ticks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advanceClock, clock } from "../../shared/clock";
import { startApi, type Client, type TestApi } from "../support/api";
import { emailOf, mailTo, teamWith } from "../support/sync";

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

const DAY = 24 * 60 * 60 * 1000;
const tick = async () =>
  (await api.request("POST", "/_local/tick")).body as { at: string; work: Record<string, number> };
/** Moves the clock and signs the user in again (a sign-in token lives one hour). */
const later = async (ms: number, who: Client) => {
  advanceClock(ms);
  return api.as(who.userId);
};

describe("the scheduled trigger", () => {
  it.each([
    ["after a portal visit", true],
    ["when the creator never calls POST /me/sync-token (creating the connection is the visit)", false],
  ])(
    "runs a daily schedule on days 1..40, fails runs once the token expires on day 30, warns on days 23 and 29 and tells the expiry once, %s",
    async (_, visits) => {
      const team = await teamWith(api, { owner: "Write", reader: "Read" });
      let owner = team.members.owner!;
      if (visits) expect((await owner.post("/me/sync-token")).body.status).toBe("valid");
      const created = await owner.post(`/imodels/${team.imodelId}/connections`, {
        name: "Nightly",
        files: [{ id: "f", name: "plant.dgn", version: "1" }],
        schedule: { every: "P1D" },
      });
      const connectionId = created.body.id as string;

      const byDay: { day: number; state: string; reason?: string; mail: string[] }[] = [];
      let seen = 0;
      for (let day = 1; day <= 40; day++) {
        owner = await later(DAY, owner);
        await tick();
        // A second tick for the same moment starts nothing and sends nothing.
        await tick();
        const runs = (await owner.get(`/connections/${connectionId}/runs?limit=1`)).body.items;
        const mail = await mailTo(emailOf(owner));
        byDay.push({ day, state: runs[0].state, reason: runs[0].reason, mail: mail.slice(seen).map((m) => m.subject) });
        seen = mail.length;
      }
      const all = (await owner.get(`/connections/${connectionId}/runs?limit=100`)).body.items as {
        trigger: string;
        state: string;
      }[];
      expect(all).toHaveLength(40);
      expect(all.every((r) => r.trigger === "scheduled")).toBe(true);
      expect(byDay.filter((d) => d.day < 30).every((d) => d.state === "succeeded")).toBe(true);
      expect(
        byDay.filter((d) => d.day >= 30).every((d) => d.state === "failed" && d.reason === "OwnerTokenExpired"),
      ).toBe(true);

      expect(byDay.filter((d) => d.mail.length).map((d) => [d.day, d.mail])).toEqual([
        [23, ["Your synchronization token expires in 7 day(s)"]],
        [29, ["Your synchronization token expires in 1 day(s)"]],
        [30, ["Your scheduled synchronizations will fail: token expired"]],
      ]);
      expect((await owner.get("/me/sync-token")).body.status).toBe("expired");
    },
    120_000,
  );

  it("renews the token on a portal visit in its last 10 days, and not earlier", async () => {
    const team = await teamWith(api, { user: "Write" });
    let user = team.members.user!;
    const first = (await user.post("/me/sync-token")).body;
    user = await later(19 * DAY, user);
    expect((await user.post("/me/sync-token")).body).toEqual(first);
    user = await later(2 * DAY, user);
    const renewed = (await user.post("/me/sync-token")).body;
    expect(renewed.status).toBe("valid");
    expect(Math.abs(Date.parse(renewed.expiresAt) - (clock.now().getTime() + 30 * DAY))).toBeLessThan(5000);
    expect(Date.parse(renewed.expiresAt) - Date.parse(first.expiresAt)).toBeGreaterThan(20 * DAY);
    user = await later(31 * DAY, user);
    expect((await user.get("/me/sync-token")).body.status).toBe("expired");
    expect((await user.post("/me/sync-token")).body.status).toBe("valid");
  });

  it("starts each due run once when 50 ticks overlap", async () => {
    const team = await teamWith(api, { owner: "Write" });
    let owner = team.members.owner!;
    await owner.post("/me/sync-token");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await owner.post(`/imodels/${team.imodelId}/connections`, {
        name: `c${i}`,
        files: [{ id: "f", name: "f", version: "1" }],
        schedule: { every: "PT1H" },
      });
      ids.push(c.body.id);
    }
    owner = await later(61 * 60 * 1000, owner);
    await Promise.all(Array.from({ length: 50 }, () => tick()));
    for (const id of ids) {
      const runs = (await owner.get(`/connections/${id}/runs`)).body.items;
      expect(runs).toHaveLength(1);
      expect(runs[0].state).toBe("succeeded");
    }
  });
});

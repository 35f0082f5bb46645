// The authority rules, pure: role order and the role in force, nobody raising themselves, the grant ceiling, leftover team items.
import { describe, expect, it } from "vitest";
import { grantCeiling, teamItemCounts } from "../../shared/domain/itwin";
import { beyondOwn, builtInRoles, itwinPermissions } from "../../shared/domain/permissions";
import { portalActions, portalMatrix, type Grant } from "../../shared/domain/portal";
import {
  lowerRole,
  raisesOwnStanding,
  roleAt,
  roleInForce,
  roleOrder,
  roles,
  type Role,
  type RoleSince,
} from "../../shared/domain/roles";

const at = (iso: string) => new Date(iso);
const grantStrength: Record<Grant, number> = { no: 0, participant: 1, owner: 1, any: 2 };

describe("the order of roles", () => {
  it("lists no role first and every role once", () => {
    expect(roleOrder[0]).toBeNull();
    expect([...roleOrder.slice(1)].sort()).toEqual([...roles].sort());
  });

  it("puts each role above one only when the portal matrix lets it do everything the lower one may", () => {
    for (let i = 2; i < roleOrder.length; i++) {
      const lower = roleOrder[i - 1] as Role;
      const higher = roleOrder[i] as Role;
      for (const action of portalActions) {
        expect(
          grantStrength[portalMatrix[action][higher]],
          `${higher} vs ${lower} on ${action}`,
        ).toBeGreaterThanOrEqual(grantStrength[portalMatrix[action][lower]]);
      }
    }
  });

  it("answers the role that allows less of two", () => {
    expect(lowerRole("SubscriptionManager", "Developer")).toBe("Developer");
    expect(lowerRole("Developer", "ApplicationManager")).toBe("Developer");
    expect(lowerRole("ApplicationManager", null)).toBeNull();
    expect(lowerRole("SubscriptionManager", "SubscriptionManager")).toBe("SubscriptionManager");
  });
});

describe("the role a request is judged with", () => {
  const history: RoleSince[] = [
    { role: "Developer", from: "2026-01-01T00:00:00.000Z" },
    { role: "SubscriptionManager", from: "2026-01-02T00:00:00.000Z" },
  ];

  it("keeps a promotion from a token issued before it", () => {
    expect(roleInForce({ role: "SubscriptionManager", roleHistory: history }, at("2026-01-01T12:00:00Z"))).toBe(
      "Developer",
    );
    expect(roleInForce({ role: "SubscriptionManager", roleHistory: history }, at("2026-01-02T00:00:01Z"))).toBe(
      "SubscriptionManager",
    );
  });

  it("applies a demotion or a cleared role to a token issued before it", () => {
    const demoted = [...history, { role: "Developer" as const, from: "2026-01-03T00:00:00.000Z" }];
    expect(roleInForce({ role: "Developer", roleHistory: demoted }, at("2026-01-02T12:00:00Z"))).toBe("Developer");
    const cleared = [...history, { role: null, from: "2026-01-03T00:00:00.000Z" }];
    expect(roleInForce({ role: null, roleHistory: cleared }, at("2026-01-02T12:00:00Z"))).toBeNull();
  });

  it("never answers more than the stored role, whatever the token's age", () => {
    for (const issued of ["2025-12-01T00:00:00Z", "2026-01-01T12:00:00Z", "2026-01-05T00:00:00Z"]) {
      for (const stored of roleOrder) {
        const judged = roleInForce({ role: stored, roleHistory: history }, at(issued));
        expect(lowerRole(judged, stored)).toBe(judged);
      }
    }
  });
});

describe("nobody raises their own standing", () => {
  const sm = { role: "SubscriptionManager" as Role | null, coAdministrator: false };
  it("counts a higher role or a new Co-Administrator flag as raising, lowering as not", () => {
    expect(raisesOwnStanding({ role: "Developer", coAdministrator: false }, sm)).toBe(true);
    expect(
      raisesOwnStanding({ role: null, coAdministrator: false }, { role: "Developer", coAdministrator: false }),
    ).toBe(true);
    expect(raisesOwnStanding(sm, { ...sm, coAdministrator: true })).toBe(true);
    expect(raisesOwnStanding(sm, { role: "Developer", coAdministrator: false })).toBe(false);
    expect(raisesOwnStanding({ ...sm, coAdministrator: true }, sm)).toBe(false);
    expect(raisesOwnStanding(sm, sm)).toBe(false);
  });
});

describe("the grant ceiling", () => {
  it("names what a granter lacks, with the cumulative rule applied to what is granted", () => {
    const readAndManageTeam = [...builtInRoles.Read, "team_manage"];
    expect(beyondOwn(["imodels_delete"], readAndManageTeam)).toEqual([
      "imodels_write",
      "imodels_manage",
      "imodels_delete",
    ]);
    expect(beyondOwn(builtInRoles.View, readAndManageTeam)).toEqual([]);
    expect(beyondOwn(["team_manage"], builtInRoles.Delete)).toEqual(["team_manage"]);
  });

  it("gives the iTwin's creator every permission, and anyone else what they hold", () => {
    const itwin = { createdBy: "ada" };
    expect(grantCeiling(itwin, { userId: "ada", permissions: ["imodels_webview"] })).toEqual(itwinPermissions);
    expect(grantCeiling(itwin, { userId: "bob", permissions: ["imodels_webview", "team_manage"] })).toEqual([
      "imodels_webview",
      "team_manage",
    ]);
  });
});

describe("team items and the organisation membership", () => {
  it("count only with a membership, and only when made under it", () => {
    const member = { addedAt: "2026-01-02T00:00:00.000Z" };
    expect(teamItemCounts(member, { addedAt: "2026-01-02T00:00:00.000Z" })).toBe(true);
    expect(teamItemCounts(member, { addedAt: "2026-01-03T00:00:00.000Z" })).toBe(true);
    expect(teamItemCounts(member, { addedAt: "2026-01-01T00:00:00.000Z" })).toBe(false);
    expect(teamItemCounts(undefined, { addedAt: "2026-01-03T00:00:00.000Z" })).toBe(false);
    expect(teamItemCounts(member, undefined)).toBe(false);
  });
});

describe("the role when a token was issued", () => {
  const history: RoleSince[] = [
    { role: "Developer", from: "2026-01-01T00:00:00.000Z" },
    { role: "ApplicationManager", from: "2026-01-02T10:00:00.400Z" },
  ];

  it("answers the role of the latest change at or before the sign-in", () => {
    expect(roleAt(history, at("2026-01-01T12:00:00Z"))).toBe("Developer");
    expect(roleAt(history, at("2026-01-03T00:00:00Z"))).toBe("ApplicationManager");
  });

  it("lets a sign-in in the same whole second as a change see it (tokens carry whole seconds)", () => {
    expect(roleAt(history, at("2026-01-02T10:00:00Z"))).toBe("ApplicationManager");
    expect(roleAt(history, at("2026-01-02T09:59:59Z"))).toBe("Developer");
  });

  it("gives a token older than every change the earliest known role, and no history no role", () => {
    expect(roleAt(history, at("2025-06-01T00:00:00Z"))).toBe("Developer");
    expect(roleAt([], at("2026-01-03T00:00:00Z"))).toBeNull();
  });
});

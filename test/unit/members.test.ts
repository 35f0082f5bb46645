// The membership rules, pure: role changes and the manager count, the Administrator flags, self-removal and raising oneself (shared/domain/members.ts).
import { describe, expect, it } from "vitest";
import { changeMember, checkOwnChange, checkRemoval } from "../../shared/domain/members";
import type { Member } from "../../shared/domain/organization";
import { roleAt, type Role } from "../../shared/domain/roles";
import { isAppError } from "../../shared/errors";

const joined = "2026-01-01T00:00:00.000Z";
const at = new Date("2026-02-01T09:00:00Z");
const member = (userId: string, role: Role | null, flags: Partial<Member> = {}): Member => ({
  orgId: "org",
  userId,
  email: `${userId}@example.com`,
  role,
  administrator: false,
  coAdministrator: false,
  roleHistory: [{ role, from: joined }],
  addedAt: joined,
  version: 1,
  ...flags,
});
const refusalOf = (run: () => unknown) => {
  try {
    run();
    return undefined;
  } catch (error) {
    return isAppError(error) ? error.code : "not an AppError";
  }
};

describe("changing a member's role", () => {
  it("promotes from the member's next sign-in: a token issued before the change keeps the old role", () => {
    const { after, changed } = changeMember(member("dev", "Developer"), { role: "SubscriptionManager" }, at);
    expect(changed).toBe(true);
    expect(after.role).toBe("SubscriptionManager");
    expect(roleAt(after.roleHistory, new Date(at.getTime() - 60_000))).toBe("Developer");
    expect(roleAt(after.roleHistory, at)).toBe("SubscriptionManager");
  });

  it("moves the Subscription Manager count by one when a manager is made or unmade, else not", () => {
    expect(changeMember(member("a", "Developer"), { role: "SubscriptionManager" }, at).managerDelta).toBe(1);
    expect(changeMember(member("a", "SubscriptionManager"), { role: null }, at).managerDelta).toBe(-1);
    expect(changeMember(member("a", "Developer"), { role: "ApplicationManager" }, at).managerDelta).toBe(0);
  });

  it("changes nothing, not even the version, when the member already holds what is asked", () => {
    const before = member("a", "Developer");
    expect(changeMember(before, { role: "Developer" }, at)).toEqual({ after: before, managerDelta: 0, changed: false });
  });

  it("counts every change in the version, so writes relying on an earlier read fail", () => {
    expect(changeMember(member("a", "Developer"), { role: null }, at).after.version).toBe(2);
  });

  it("makes a new Co-Administrator a Subscription Manager", () => {
    const { after, managerDelta } = changeMember(member("a", "Developer"), { coAdministrator: true }, at);
    expect(after).toMatchObject({ role: "SubscriptionManager", coAdministrator: true });
    expect(managerDelta).toBe(1);
  });

  it("keeps the Administrator and Co-Administrators Subscription Managers", () => {
    const admin = member("admin", "SubscriptionManager", { administrator: true });
    const coAdmin = member("co", "SubscriptionManager", { coAdministrator: true });
    for (const role of ["ApplicationManager", "Developer", null] as const) {
      expect(refusalOf(() => changeMember(admin, { role }, at))).toBe("AdministratorIsSubscriptionManager");
      expect(refusalOf(() => changeMember(coAdmin, { role }, at))).toBe("AdministratorIsSubscriptionManager");
    }
    expect(changeMember(coAdmin, { coAdministrator: false, role: "Developer" }, at).after.role).toBe("Developer");
  });
});

describe("removing a member", () => {
  it("refuses to let anyone remove themselves", () => {
    expect(refusalOf(() => checkRemoval("sm", member("sm", "SubscriptionManager")))).toBe("SelfRemoval");
    expect(refusalOf(() => checkRemoval("dev", member("dev", "Developer")))).toBe("SelfRemoval");
  });

  it("lowers the Subscription Manager count only when a manager goes", () => {
    expect(checkRemoval("sm", member("other", "SubscriptionManager"))).toEqual({ managerDelta: -1 });
    expect(checkRemoval("sm", member("other", "Developer"))).toEqual({ managerDelta: 0 });
  });
});

describe("changing one's own membership", () => {
  it("refuses a member raising their own role or giving themselves the Co-Administrator flag (403)", () => {
    const dev = member("dev", "Developer");
    const sm = member("sm", "SubscriptionManager");
    expect(refusalOf(() => checkOwnChange("dev", dev, { ...dev, role: "ApplicationManager" }))).toBe("Forbidden");
    expect(refusalOf(() => checkOwnChange("sm", sm, { ...sm, coAdministrator: true }))).toBe("Forbidden");
  });

  it("lets a member lower their own role, and others raise it", () => {
    const sm = member("sm", "SubscriptionManager");
    expect(refusalOf(() => checkOwnChange("sm", sm, { ...sm, role: "Developer" }))).toBeUndefined();
    const dev = member("dev", "Developer");
    expect(refusalOf(() => checkOwnChange("sm", dev, { ...dev, role: "SubscriptionManager" }))).toBeUndefined();
  });
});

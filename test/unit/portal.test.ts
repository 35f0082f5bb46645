// The portal matrix, pure: what each role may do, what is hidden rather than refused, and what a refusal says (shared/domain/portal.ts).
import { describe, expect, it } from "vitest";
import { decide, portalActions, refusal, type PortalAction } from "../../shared/domain/portal";
import { roles, type Role } from "../../shared/domain/roles";

const allowedTo = (role: Role) => portalActions.filter((action) => decide(action, role) === "allow");

describe("the portal matrix", () => {
  it("lets a member without a role do nothing (403, never 404)", () => {
    for (const action of portalActions) {
      expect(decide(action, null)).toBe("forbid");
      expect(decide(action, null, { owner: true, participant: true })).toBe("forbid");
    }
  });

  it("lets only a Subscription Manager manage members and the subscription", () => {
    const managerOnly: PortalAction[] = [
      "addMember",
      "changeRole",
      "removeMember",
      "readSubscription",
      "changeSubscription",
    ];
    for (const action of managerOnly) {
      expect(decide(action, "SubscriptionManager")).toBe("allow");
      expect(decide(action, "ApplicationManager")).toBe("forbid");
      expect(decide(action, "Developer")).toBe("forbid");
    }
  });

  it("lets every role read the organisation and its members, and create applications and Test iTwins", () => {
    for (const role of roles) {
      for (const action of ["readOrganization", "listMembers", "createApplication", "createTestItwin"] as const) {
        expect(decide(action, role), `${role} ${action}`).toBe("allow");
      }
    }
  });

  it("hides from a Developer the applications they do not own (404), and lets them act on their own", () => {
    for (const action of [
      "readApplication",
      "modifyApplication",
      "deleteApplication",
      "addApplicationOwner",
    ] as const) {
      expect(decide(action, "Developer")).toBe("hide");
      expect(decide(action, "Developer", { owner: true })).toBe("allow");
      expect(decide(action, "ApplicationManager")).toBe("allow");
    }
    expect(decide("viewAllApplications", "Developer")).toBe("forbid");
  });

  it("hides a Test iTwin from everyone but its participants, Subscription Managers included", () => {
    for (const role of roles) {
      for (const action of [
        "readTestItwin",
        "modifyTestItwin",
        "deleteTestItwin",
        "addTestItwinParticipant",
      ] as const) {
        expect(decide(action, role), `${role} ${action}`).toBe("hide");
        expect(decide(action, role, { participant: true })).toBe("allow");
      }
    }
  });

  it("gives a Subscription Manager everything an Application Manager has, and more", () => {
    const sm = allowedTo("SubscriptionManager");
    for (const action of allowedTo("ApplicationManager")) expect(sm).toContain(action);
    expect(sm.length).toBeGreaterThan(allowedTo("ApplicationManager").length);
  });
});

describe("what a refusal says", () => {
  it("tells a member without a role to ask a Subscription Manager for one", () => {
    for (const action of portalActions) expect(refusal(action, null)).toMatch(/ask a Subscription Manager for a role/);
  });

  it("names the Subscription Manager for every action only they may do", () => {
    for (const action of portalActions) {
      const forbiddenTo = roles.filter((role) => decide(action, role) === "forbid");
      if (forbiddenTo.length === roles.length - 1 && decide(action, "SubscriptionManager") === "allow") {
        for (const role of forbiddenTo) expect(refusal(action, role), action).toMatch(/Only a Subscription Manager/);
      }
    }
  });

  it("names the caller's role otherwise", () => {
    expect(refusal("viewAllApplications", "Developer")).toBe("Your role (Developer) does not allow this");
  });
});

// The bounded role history (shared/domain/role-history.ts): at most ROLE_HISTORY_CAP entries, and no token judged with a role above the one it was issued under.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ROLE_HISTORY_CAP, withRoleChange } from "../../shared/domain/role-history";
import { lowerRole } from "../../shared/domain/roles";
import { roleAt, roles, type Role, type RoleSince } from "../../shared/domain/roles";

const anyRole = fc.constantFrom<Role | null>(...roles, null);
const rank = (r: Role | null) => [null, "Developer", "ApplicationManager", "SubscriptionManager"].indexOf(r);

describe("role history", () => {
  it("keeps every change while under the cap", () => {
    let history: RoleSince[] = [{ role: "Developer", from: new Date(0).toISOString() }];
    for (let i = 1; i < ROLE_HISTORY_CAP; i++)
      history = withRoleChange(history, i % 2 ? "SubscriptionManager" : "Developer", new Date(i * 1000));
    expect(history).toHaveLength(ROLE_HISTORY_CAP);
    expect(history.map((e) => e.role)).toEqual(
      Array.from({ length: ROLE_HISTORY_CAP }, (_, i) => (i % 2 ? "SubscriptionManager" : "Developer")),
    );
  });

  it("never passes the cap, keeps the role in force, and never judges a token above the role it was issued under", () => {
    fc.assert(
      fc.property(
        anyRole,
        fc.array(anyRole, { minLength: 1, maxLength: 40 }),
        fc.nat(45),
        (initial, changes, probe) => {
          const exact: RoleSince[] = [{ role: initial, from: new Date(0).toISOString() }];
          let bounded: RoleSince[] = [...exact];
          changes.forEach((role, i) => {
            const at = new Date((i + 1) * 1000);
            exact.push({ role, from: at.toISOString() });
            bounded = withRoleChange(bounded, role, at);
          });
          expect(bounded.length).toBeLessThanOrEqual(ROLE_HISTORY_CAP);
          expect(bounded.at(-1)!.role).toBe(changes.at(-1));
          // Any sign-in time: the collapsed history answers the true role or a lower one.
          const signedInAt = new Date(probe * 1000 + 500);
          expect(rank(roleAt(bounded, signedInAt))).toBeLessThanOrEqual(rank(roleAt(exact, signedInAt)));
          // The newest entries below the cap are kept exactly.
          const tail = Math.min(exact.length, ROLE_HISTORY_CAP - 1);
          expect(bounded.slice(-tail)).toEqual(exact.slice(-tail));
        },
      ),
    );
  });

  it("collapses to the lower role", () => {
    expect(lowerRole("SubscriptionManager", "Developer")).toBe("Developer");
    expect(lowerRole("ApplicationManager", null)).toBe(null);
    expect(lowerRole("ApplicationManager", "SubscriptionManager")).toBe("ApplicationManager");
  });
});

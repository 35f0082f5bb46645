// Who is told of an ownership change, row by row (SPEC section 3), and the answer's warnings.
import { describe, expect, it } from "vitest";
import { ownershipChange, ownershipChanges, ownershipWarnings, whoIsTold } from "../../shared/domain/ownership";

describe("who is told of an ownership change", () => {
  it("has one row per change, and no others", () => {
    expect(Object.keys(whoIsTold).sort()).toEqual([...ownershipChanges].sort());
  });

  it("handOn: the owner hands it on; only the new owner hears", () => {
    expect(ownershipChange("owner", "owner", "next")).toBe("handOn");
    expect(whoIsTold.handOn).toEqual({ newOwner: "ownershipTransferred" });
  });

  it("handOnByManager: a Manage holder hands someone else's connection on; both owners hear", () => {
    expect(ownershipChange("manager", "owner", "next")).toBe("handOnByManager");
    expect(whoIsTold.handOnByManager).toEqual({
      newOwner: "ownershipTransferred",
      originalOwner: "ownershipHandedAway",
    });
  });

  it("take: the new owner acted (a take, or a Manage holder handing it to themselves); only the original owner hears", () => {
    expect(ownershipChange("taker", "owner", "taker")).toBe("take");
    expect(ownershipChange("manager", "owner", "manager")).toBe("take");
    expect(whoIsTold.take).toEqual({ originalOwner: "ownershipTaken" });
  });

  it("never tells whoever acted", () => {
    for (const [actor, original, next] of [
      ["a", "a", "b"],
      ["m", "a", "b"],
      ["b", "a", "b"],
    ] as const) {
      const told = whoIsTold[ownershipChange(actor, original, next)];
      if (actor === next) expect(told.newOwner).toBeUndefined();
      else expect(told.newOwner).toBeDefined();
      if (actor === original) expect(told.originalOwner).toBeUndefined();
      else expect(told.originalOwner).toBeDefined();
    }
  });
});

describe("ownership warnings", () => {
  it("warns of a token that is not valid and of a new owner without Write, each with a message", () => {
    expect(ownershipWarnings({ tokenStatus: "valid", canWrite: true })).toEqual([]);
    expect(ownershipWarnings({ tokenStatus: "unknown", canWrite: true }).map((w) => w.code)).toEqual([
      "OwnerTokenNotValid",
    ]);
    expect(ownershipWarnings({ tokenStatus: "expired", canWrite: false }).map((w) => w.code)).toEqual([
      "OwnerTokenNotValid",
      "OwnerLacksWrite",
    ]);
    expect(ownershipWarnings({ tokenStatus: "valid", canWrite: false })[0]!.message).toMatch(/imodels_write/);
  });
});

// The connection rules, pure: what each level may do to a connection, and who may change its owner (shared/domain/connection-rules.ts).
import { describe, expect, it } from "vitest";
import {
  allowsOnConnection,
  connectionRules,
  ownershipChangeNeeds,
  ownershipRefusals,
  type ConnectionOperation,
} from "../../shared/domain/connection-rules";
import { ownershipChange } from "../../shared/domain/ownership";
import { levelPermissions, levels, type Level } from "../../shared/domain/permissions";

const operations = Object.keys(connectionRules) as ConnectionOperation[];
const allowed = (level: Level) => operations.filter((op) => allowsOnConnection(op, levelPermissions[level]));

/** Whether `actor`, holding `level` on the iModel, may make `to` the owner of a connection `owner` holds. */
const mayChangeOwner = (actor: string, owner: string, to: string, level: Level) => {
  const needs = ownershipChangeNeeds[ownershipChange(actor, owner, to)];
  return !needs || allowsOnConnection(needs, levelPermissions[level]);
};

describe("what each level may do to a connection", () => {
  it("View may only take a connection; Read also reads them", () => {
    expect(allowed("View")).toEqual(["takeOwnership"]);
    expect(allowed("Read").sort()).toEqual(["readConnection", "takeOwnership"]);
  });

  it("Write creates, edits, deletes and runs connections, but hands none on it does not own", () => {
    const write = allowed("Write");
    for (const op of ["createConnection", "editConnection", "deleteConnection", "startRun"] as const) {
      expect(write).toContain(op);
    }
    expect(write).not.toContain("transferOwnership");
  });

  it("Manage and Delete may do everything", () => {
    expect(allowed("Manage").sort()).toEqual([...operations].sort());
    expect(allowed("Delete").sort()).toEqual([...operations].sort());
  });

  it("a higher level may do everything a lower level may", () => {
    for (let i = 1; i < levels.length; i++) {
      for (const op of allowed(levels[i - 1]!)) expect(allowed(levels[i]!), `${levels[i]} ${op}`).toContain(op);
    }
  });
});

describe("who may change a connection's owner", () => {
  it("the owner hands it on to anyone on the team, whatever their own level", () => {
    for (const level of levels) expect(mayChangeOwner("owner", "owner", "other", level)).toBe(true);
  });

  it("someone else hands it on only with Manage", () => {
    expect(levels.filter((level) => mayChangeOwner("manager", "owner", "other", level))).toEqual(["Manage", "Delete"]);
  });

  it("any team member who sees the iModel takes it, View included, and handing it to oneself is a take", () => {
    for (const level of levels) expect(mayChangeOwner("member", "owner", "member", level)).toBe(true);
    expect(ownershipChange("member", "owner", "member")).toBe("take");
  });

  it("tells a refused hand-on that the owner or a Manage holder may, and that a take is open", () => {
    const message = ownershipRefusals.handOnByManager!;
    expect(message).toMatch(/owner/);
    expect(message).toMatch(/imodels_manage/);
    expect(message).toMatch(/take/);
  });
});

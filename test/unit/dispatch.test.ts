// Cutting due runs into batches: every organisation gets its first batch before any gets a second, and the hand-on waves keep that order.
import { describe, expect, it } from "vitest";
import { interleave, slotsFor, waves, type DueItem } from "../../shared/domain/dispatch";

const due = (tenant: string, count: number, from = 0): DueItem[] =>
  Array.from({ length: count }, (_, i) => ({
    tenant,
    id: `${tenant}-${String(i).padStart(4, "0")}`,
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, from + i)).toISOString(),
  }));

describe("interleave", () => {
  it("gives one large and several small organisations each a batch per round, the large one's older work notwithstanding", () => {
    const items = [...due("big", 300), ...due("a", 10, 500), ...due("b", 10, 600), ...due("c", 3, 700)];
    const batches = interleave(items, 10);
    expect(batches.slice(0, 4).map((b) => b.tenant)).toEqual(["big", "a", "b", "c"]);
    expect(batches.slice(4).every((b) => b.tenant === "big")).toBe(true);
    expect(batches.flatMap((b) => b.items.map((i) => i.id)).sort()).toEqual(items.map((i) => i.id).sort());
    expect(batches.every((b) => b.items.length <= 10)).toBe(true);
    // Oldest first within an organisation.
    expect(batches[0]!.items[0]!.id).toBe("big-0000");
  });

  it("orders the same whatever order the index pages came in", () => {
    const items = [...due("x", 7), ...due("y", 5, 3)];
    expect(interleave([...items].reverse(), 2)).toEqual(interleave(items, 2));
  });
});

describe("waves", () => {
  it("hands each round of several organisations on before the next, and a lone organisation's tail at once", () => {
    const batches = interleave([...due("big", 50), ...due("a", 20, 100), ...due("b", 10, 200)], 10);
    const w = waves(batches);
    expect(w.map((wave) => wave.map((b) => b.tenant))).toEqual([
      ["big", "a", "b"],
      ["big", "a"],
      ["big", "big", "big"],
    ]);
  });
});

describe("slots", () => {
  it("gives an organisation as many slots as batches it may work at once, at least one", () => {
    expect(slotsFor(50, 5)).toBe(10);
    expect(slotsFor(3, 5)).toBe(1);
  });
});

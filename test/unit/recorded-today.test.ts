// The per-instance memo of interactions recorded today: what it remembers, and when it forgets.
import { describe, expect, it } from "vitest";
import { recordedToday } from "../../shared/usecases/recorded-today";

describe("recordedToday", () => {
  it("knows a pair only for the day it was recorded on, and not other pairs", () => {
    const memo = recordedToday();
    expect(memo.has("imd_a", "ann", "2031-05-01")).toBe(false);
    memo.add("imd_a", "ann", "2031-05-01");
    expect(memo.has("imd_a", "ann", "2031-05-01")).toBe(true);
    expect(memo.has("imd_a", "ann", "2031-05-02")).toBe(false);
    expect(memo.has("imd_a", "bob", "2031-05-01")).toBe(false);
    expect(memo.has("imd_b", "ann", "2031-05-01")).toBe(false);
  });

  it("forgets every pair when a pair of another day is added, also an earlier day (the local clock moved back)", () => {
    const memo = recordedToday();
    memo.add("imd_a", "ann", "2031-05-02");
    memo.add("imd_b", "bob", "2031-05-01");
    expect(memo.has("imd_a", "ann", "2031-05-02")).toBe(false);
    expect(memo.has("imd_b", "bob", "2031-05-01")).toBe(true);
  });

  it("does not confuse pairs whose ids run into each other", () => {
    const memo = recordedToday();
    memo.add("imd_ab", "c", "2031-05-01");
    expect(memo.has("imd_a", "bc", "2031-05-01")).toBe(false);
  });

  it("starts over when full, so an instance's memory stays bounded", () => {
    const memo = recordedToday(3);
    for (const user of ["a", "b", "c"]) memo.add("imd_x", user, "2031-05-01");
    expect(memo.has("imd_x", "a", "2031-05-01")).toBe(true);
    memo.add("imd_x", "d", "2031-05-01");
    expect(memo.has("imd_x", "a", "2031-05-01")).toBe(false);
    expect(memo.has("imd_x", "d", "2031-05-01")).toBe(true);
  });
});

// Which keys one BatchGetItem asks for: each item once, never two items taken for one (shared/store/dynamo.ts).
import { describe, expect, it } from "vitest";
import { distinctKeys, keyText } from "../../shared/store/dynamo";

describe("the keys of one BatchGetItem", () => {
  it("reads a key asked twice once, whatever the order of its attributes, keeping the first order asked", () => {
    const keys = [
      { pk: "ITWIN#a", sk: "MEMBER#ada" },
      { sk: "MEMBER#ada", pk: "ITWIN#a" },
      { pk: "ITWIN#a", sk: "ITWIN" },
    ];
    expect(distinctKeys(keys)).toEqual([keys[0], keys[2]]);
  });

  it("never takes two different keys for one, even when their texts could run together", () => {
    expect(keyText({ pk: 'a","b', sk: "c" })).not.toBe(keyText({ pk: "a", sk: 'b","c' }));
    expect(keyText({ pk: "ab", sk: "c" })).not.toBe(keyText({ pk: "a", sk: "bc" }));
    expect(keyText({ pk: "a", sk: "b" })).not.toBe(keyText({ pk: "a", sk: "b", gsi1pk: "x" }));
    expect(
      distinctKeys([
        { pk: "a", sk: "b" },
        { pk: "a", sk: "b", gsi1pk: "x" },
      ]),
    ).toHaveLength(2);
  });
});

import { describe, expect, it } from "vitest";
import { formatAge, waitingFiles } from "./dropStatus";

describe("drop-folder page", () => {
  it("lists every waiting file of every rule with its reason, longest waiting first", () => {
    const rules = [
      { rule: "sfx", waiting: [{ file: "a.wav", reason: "settling: still being written", waitingS: 1.2 }] },
      { rule: "vo", waiting: [{ file: "b.wav", reason: "incomplete: data chunk shorter than its header says", waitingS: 42 }] },
      { rule: "music" },
    ];
    expect(waitingFiles(rules)).toEqual([
      { rule: "vo", file: "b.wav", reason: "incomplete: data chunk shorter than its header says", waitingS: 42 },
      { rule: "sfx", file: "a.wav", reason: "settling: still being written", waitingS: 1.2 },
    ]);
    expect(waitingFiles(undefined)).toEqual([]);
  });

  it("says how long a file has waited in words a person reads at a glance", () => {
    expect(formatAge(0.42)).toBe("0.4 s");
    expect(formatAge(12.7)).toBe("12 s");
    expect(formatAge(185)).toBe("3 min 05 s");
    expect(formatAge(7260)).toBe("2 h 01 min");
  });
});

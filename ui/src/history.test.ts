import { describe, expect, it } from "vitest";
import { HISTORY_LIMIT, MERGE_MS, record, redo, shortcut, startHistory, typingIn, undo } from "./history";

describe("undo history", () => {
  it("undoes and redoes edits in order; a new edit drops what was undone", () => {
    let h = startHistory("a");
    h = record(h, "b");
    h = record(h, "c");
    h = undo(h);
    expect(h.present).toBe("b");
    h = undo(h);
    expect(h.present).toBe("a");
    expect(undo(h)).toBe(h);
    h = redo(h);
    expect(h.present).toBe("b");
    h = record(h, "d");
    expect(h.future).toEqual([]);
    expect(redo(h)).toBe(h);
    expect(undo(h).present).toBe("b");
  });

  it("merges quick edits of one kind (typing in a field) into one step, not others", () => {
    let h = startHistory("");
    h = record(h, "a", "form:n1", 1000);
    h = record(h, "ab", "form:n1", 1000 + MERGE_MS / 2);
    h = record(h, "abc", "form:n1", 1000 + MERGE_MS);
    expect(undo(h).present).toBe("");
    h = record(h, "abcd", "form:n2", 1000 + MERGE_MS + 1);
    expect(undo(h).present).toBe("abc");
    h = record(h, "late", "form:n2", 1000 + 3 * MERGE_MS);
    expect(undo(h).present).toBe("abcd");
    const unkinded = record(record(startHistory(0), 1, "", 5), 2, "", 5);
    expect(undo(unkinded).present).toBe(1);
  });

  it("ignores an edit that changed nothing and keeps a bounded number of steps", () => {
    let h = startHistory(0);
    expect(record(h, 0)).toBe(h);
    for (let i = 1; i <= HISTORY_LIMIT + 10; i += 1) h = record(h, i);
    expect(h.past.length).toBe(HISTORY_LIMIT);
    expect(h.past[0]).toBe(10);
  });

  it("reads Ctrl/Cmd+Z as undo, with Shift (or Ctrl+Y) as redo; text fields keep their own undo", () => {
    const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean }>) =>
      shortcut({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, ...mods });
    expect(key("z", { ctrlKey: true })).toBe("undo");
    expect(key("Z", { ctrlKey: true, shiftKey: true })).toBe("redo");
    expect(key("z", { metaKey: true })).toBe("undo");
    expect(key("y", { ctrlKey: true })).toBe("redo");
    expect(key("z", {})).toBeNull();
    expect(key("a", { ctrlKey: true })).toBeNull();
    expect(typingIn({ tagName: "INPUT" } as unknown as EventTarget)).toBe(true);
    expect(typingIn({ tagName: "DIV" } as unknown as EventTarget)).toBe(false);
    expect(typingIn(null)).toBe(false);
  });
});

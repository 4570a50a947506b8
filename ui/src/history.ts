// Undo and redo of document edits: a bounded stack of past documents and one of undone ones.
// Edits of one kind that follow each other quickly (typing in a form field) merge into one step.

export interface History<T> {
  past: T[];
  present: T;
  future: T[];
  /** what the last edit was and when, so the next one like it merges into the same step */
  last: { kind: string; at: number } | null;
}

/** how many steps undo can go back */
export const HISTORY_LIMIT = 200;
/** edits of the same kind closer together than this (ms) are one undo step */
export const MERGE_MS = 800;

export function startHistory<T>(present: T): History<T> {
  return { past: [], present, future: [], last: null };
}

/** The history after an edit; `kind` names it ("move:n1", "form:n1" ...), "" never merges. */
export function record<T>(history: History<T>, next: T, kind = "", at = Date.now()): History<T> {
  if (Object.is(next, history.present)) return history;
  const merge = kind !== "" && history.last !== null && history.last.kind === kind && at - history.last.at < MERGE_MS;
  const past = merge ? history.past : [...history.past, history.present].slice(-HISTORY_LIMIT);
  return { past, present: next, future: [], last: { kind, at } };
}

export function undo<T>(history: History<T>): History<T> {
  if (history.past.length === 0) return history;
  const previous = history.past[history.past.length - 1];
  return { past: history.past.slice(0, -1), present: previous, future: [history.present, ...history.future], last: null };
}

export function redo<T>(history: History<T>): History<T> {
  if (history.future.length === 0) return history;
  const [next, ...rest] = history.future;
  return { past: [...history.past, history.present], present: next, future: rest, last: null };
}

/** The keyboard shortcut an event asks for: Ctrl/Cmd+Z undo, Ctrl/Cmd+Shift+Z or Ctrl+Y redo. */
export function shortcut(event: { key: string; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean }): "undo" | "redo" | null {
  if (!event.ctrlKey && !event.metaKey) return null;
  const key = event.key.toLowerCase();
  if (key === "z") return event.shiftKey ? "redo" : "undo";
  if (key === "y" && !event.shiftKey) return "redo";
  return null;
}

/** True when the keyboard focus is in a text field, whose own undo the browser handles. */
export function typingIn(target: EventTarget | null): boolean {
  const element = target as { tagName?: string; isContentEditable?: boolean } | null;
  if (!element?.tagName) return false;
  return ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName) || Boolean(element.isContentEditable);
}

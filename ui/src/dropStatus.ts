// The drop-folder page's data: GET /drops as rows the tables show.

export type Row = Record<string, unknown>;

export interface WaitingFile {
  rule: string;
  file: string;
  reason: string;
  waitingS: number;
}

/** Every file a rule is still settling or waiting on (rules[].waiting), longest waiting first. */
export function waitingFiles(rules: Row[] | undefined): WaitingFile[] {
  const files: WaitingFile[] = [];
  for (const rule of rules ?? []) {
    for (const entry of (rule.waiting as Row[] | undefined) ?? []) {
      files.push({
        rule: String(rule.rule ?? ""), file: String(entry.file ?? ""), reason: String(entry.reason ?? ""),
        waitingS: Number(entry.waitingS ?? 0),
      });
    }
  }
  return files.sort((a, b) => b.waitingS - a.waitingS);
}

/** "0.4 s", "12 s", "3 min 05 s", "2 h 01 min". */
export function formatAge(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const whole = Math.floor(seconds);
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, "0")} s`;
  return `${Math.floor(whole / 3600)} h ${String(Math.floor((whole % 3600) / 60)).padStart(2, "0")} min`;
}

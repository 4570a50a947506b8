// Drop folders: each rule with its queue, the files it is settling or waiting on (with the reason),
// recent batches and failures. Refreshed on batch events from GET /events and every two seconds.
import { useCallback, useEffect, useRef, useState } from "react";
import { api, followEvents } from "./api";
import { formatAge, waitingFiles, type Row } from "./dropStatus";

interface DropStatus {
  rules?: Row[];
  files?: Row[];
  batches?: Row[];
  failures?: Row[];
  waitingBatches?: Row[];
  running?: boolean;
}

const text = (value: unknown) => (value === null || value === undefined ? "" : typeof value === "object" ? JSON.stringify(value) : String(value));

function Table({ rows, columns, name }: { rows: Row[] | undefined; columns: string[]; name: string }) {
  if (!rows || rows.length === 0) return <p className="muted" data-empty={name}>None.</p>;
  return (
    <table className={name}>
      <thead><tr>{columns.map((c) => <th key={c}>{c}</th>)}</tr></thead>
      <tbody>
        {rows.map((row, i) => (
          <tr key={i} data-state={text(row.state)} data-path={text(row.relPath ?? row.folder ?? "")}>
            {columns.map((c) => <td key={c}>{text(row[c])}</td>)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Files not yet imported because they are still settling or incomplete: why, and for how long. */
function WaitingTable({ rules }: { rules: Row[] | undefined }) {
  const files = waitingFiles(rules);
  if (files.length === 0) return <p className="muted" data-empty="waiting-files">No file is waiting.</p>;
  return (
    <table className="waiting-files">
      <thead><tr><th>file</th><th>rule</th><th>why it waits</th><th>waiting for</th></tr></thead>
      <tbody>
        {files.map((file) => (
          <tr key={`${file.rule}/${file.file}`} data-waiting-file={file.file} data-reason={file.reason.split(":")[0]}>
            <td>{file.file}</td><td>{file.rule}</td><td className="reason">{file.reason}</td>
            <td className="age">{formatAge(file.waitingS)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function DropsPage() {
  const [status, setStatus] = useState<DropStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  // answers may arrive out of order (an event and the poll ask at once): an older one never
  // replaces a newer one
  const asked = useRef(0);
  const shown = useRef(0);
  const refresh = useCallback(() => {
    const mine = ++asked.current;
    api.drops().then((found) => {
      if (mine < shown.current) return;
      shown.current = mine;
      setStatus(found as DropStatus);
      setError(null);
    }).catch((e) => {
      if (mine < shown.current) return;
      shown.current = mine;
      setError(String(e.message));
    });
  }, []);
  useEffect(() => {
    refresh();
    const close = followEvents("types=batch.queued,batch.finished", refresh, ["batch.queued", "batch.finished"]);
    const timer = window.setInterval(refresh, 2000);
    return () => { close(); window.clearInterval(timer); };
  }, [refresh]);
  return (
    <div className="page drops">
      <h2>Drop folders</h2>
      {error && <p className="message error">{error}</p>}
      {status && status.running === false && <p className="muted">No daemon: drop folders are watched by <code>wwiseflowd run</code>.</p>}
      <h3>Rules</h3>
      <Table name="rules" rows={status?.rules} columns={["rule", "folder", "target", "workflow", "queueDepth", "settling", "states"]} />
      <h3>Waiting files</h3>
      <WaitingTable rules={status?.rules} />
      <h3>Files</h3>
      <Table name="files" rows={status?.files} columns={["relPath", "rule", "state", "note", "code", "error", "objectPath", "updatedAt"]} />
      <h3>Waiting batches</h3>
      <Table name="waiting" rows={status?.waitingBatches} columns={["id", "rule", "files", "attempts", "code", "error"]} />
      <h3>Recent batches</h3>
      <Table name="batches" rows={status?.batches} columns={["id", "rule", "state", "files", "imported", "failed", "skipped", "executionId", "code", "error"]} />
      <h3>Failures</h3>
      <Table name="failures" rows={status?.failures} columns={["relPath", "rule", "code", "error", "updatedAt"]} />
    </div>
  );
}

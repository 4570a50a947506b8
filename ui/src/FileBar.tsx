// Workflow files in [paths] workflows_dir: list with compile status, open, save (with conflict
// detection: the version the editor opened must still be on disk), rename, duplicate, delete.
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiFailure, api, type WorkflowFile } from "./api";
import { navigate } from "./router";
import { serialise, type WorkflowDoc } from "./workflow";

interface Props {
  doc: WorkflowDoc;
  dirty: boolean;
  initialId: string | null;
  onLoad: (doc: WorkflowDoc) => void;
  /** the document as it was written (what "unsaved changes" compares with) */
  onSaved: (doc: WorkflowDoc) => void;
  onRename: (id: string) => void;
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function FileBar({ doc, dirty, initialId, onLoad, onSaved, onRename }: Props) {
  const [files, setFiles] = useState<WorkflowFile[]>([]);
  const [openId, setOpenId] = useState<string | null>(null);
  const [version, setVersion] = useState<string | null>(null);
  const [message, setMessage] = useState<{ text: string; kind: "ok" | "error" } | null>(null);

  const refresh = useCallback(() => api.workflows().then(setFiles).catch(() => undefined), []);
  const fail = (error: unknown) => setMessage({ text: (error as Error).message, kind: "error" });

  // the latest onLoad, so `open` (and the effect that opens the address's file) stays the same function
  const onLoadRef = useRef(onLoad);
  onLoadRef.current = onLoad;
  const open = useCallback(async (id: string) => {
    try {
      const detail = await api.workflow(id);
      onLoadRef.current(detail.document ?? { id, nodes: [], edges: [] });
      setOpenId(detail.id);
      setVersion(detail.version ?? null);
      setMessage(null);
      navigate(`/?workflow=${encodeURIComponent(detail.id)}`, true);
    } catch (error) {
      fail(error);
    }
  }, []);

  // the address names the file being edited: open it unless it is already open (after a save)
  const openRef = useRef<string | null>(null);
  openRef.current = openId;
  useEffect(() => {
    void refresh();
    if (initialId && initialId !== openRef.current) void open(initialId);
  }, [initialId, open, refresh]);

  const save = async (overwrite = false) => {
    const id = doc.id || "untitled";
    if (!ID_RE.test(id)) return fail(new Error(`"${id}" cannot be a file name: use letters, digits, - _ .`));
    try {
      const written = doc;
      const saved = await api.save(id, written, overwrite ? "*" : id === openId ? version : null);
      setOpenId(saved.id);
      setVersion(saved.version ?? null);
      onSaved(written);
      setMessage({ text: `Saved ${saved.file}`, kind: "ok" });
      navigate(`/?workflow=${encodeURIComponent(saved.id)}`, true);
      void refresh();
    } catch (error) {
      if (error instanceof ApiFailure && error.status === 409 && window.confirm(`${error.message}\n\nOverwrite it?`)) {
        return save(true);
      }
      fail(error);
    }
  };

  const rename = async () => {
    const newId = window.prompt("New workflow id (file name)", openId ?? doc.id ?? "");
    if (!newId || !openId) return;
    try {
      const renamed = await api.rename(openId, newId);
      setOpenId(renamed.id);
      setVersion(renamed.version ?? null);
      onRename(renamed.id);
      navigate(`/?workflow=${encodeURIComponent(renamed.id)}`, true);
      void refresh();
    } catch (error) {
      fail(error);
    }
  };

  const duplicate = async () => {
    if (!openId) return;
    const newId = window.prompt("Id of the copy", `${openId}-copy`);
    if (!newId) return;
    try {
      const copy = await api.duplicate(openId, newId);
      await refresh();
      await open(copy.id);
    } catch (error) {
      fail(error);
    }
  };

  const remove = async () => {
    if (!openId || !window.confirm(`Delete workflow file ${openId}?`)) return;
    try {
      await api.remove(openId);
      setOpenId(null);
      setVersion(null);
      void refresh();
      setMessage({ text: `Deleted ${openId}`, kind: "ok" });
    } catch (error) {
      fail(error);
    }
  };

  return (
    <div className="filebar">
      <label>Workflow id <input className="workflow-id" value={doc.id ?? ""} onChange={(e) => onRename(e.target.value)} /></label>
      <button type="button" className="save" onClick={() => void save()}>Save{dirty ? " *" : ""}</button>
      <button type="button" onClick={() => void rename()} disabled={!openId}>Rename</button>
      <button type="button" onClick={() => void duplicate()} disabled={!openId}>Duplicate</button>
      <button type="button" onClick={() => void remove()} disabled={!openId}>Delete</button>
      <button type="button" onClick={() => { onLoad({ id: "untitled", nodes: [], edges: [] }); setOpenId(null); navigate("/", true); }}>New</button>
      <button type="button" onClick={() => navigator.clipboard?.writeText(serialise(doc))}>Copy JSON</button>
      <select className="open-file" value="" onFocus={() => void refresh()} onChange={(e) => e.target.value && void open(e.target.value)}>
        <option value="">Open…</option>
        {files.map((file) => (
          <option key={file.id} value={file.id} data-ok={file.ok}>{file.ok ? "✓" : "✗"} {file.id}{file.ok ? "" : ` (${file.errors.length} errors)`}</option>
        ))}
      </select>
      {message && <span className={`message ${message.kind}`} data-message={message.kind}>{message.text}</span>}
    </div>
  );
}

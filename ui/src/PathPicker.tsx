// A file field with a picker limited to the daemon's allowed roots (GET /files): what it offers is
// what a run accepts.
import type { WidgetProps } from "@rjsf/utils";
import { useState } from "react";
import { api, type FolderListing } from "./api";

export function PathWidget({ id, value, onChange, placeholder, disabled, readonly }: WidgetProps) {
  const [listing, setListing] = useState<FolderListing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const show = (path: string | null) =>
    api.files(path).then((found) => { setListing(found); setError(null); }).catch((e) => setError(String(e.message)));
  return (
    <div className="path-widget">
      <div className="path-row">
        <input id={id} value={value ?? ""} placeholder={placeholder} disabled={disabled || readonly}
          onChange={(e) => onChange(e.target.value === "" ? undefined : e.target.value)} />
        <button type="button" className="browse" onClick={() => (listing ? setListing(null) : void show(null))}>
          {listing ? "Close" : "Browse…"}
        </button>
      </div>
      {error && <p className="message error">{error}</p>}
      {listing && (
        <ul className="path-list" data-folder={listing.path ?? ""}>
          {listing.parent && <li><button type="button" onClick={() => void show(listing.parent)}>↑ ..</button></li>}
          {listing.entries.map((entry) => (
            <li key={entry.path}>
              <button type="button" className={entry.dir ? "dir" : "file"} data-path={entry.path}
                onClick={() => (entry.dir ? void show(entry.path) : (onChange(entry.path), setListing(null)))}>
                {entry.dir ? "📁 " : ""}{entry.name}
              </button>
            </li>
          ))}
          {listing.entries.length === 0 && <li className="muted">No folders or audio files here.</li>}
          {listing.truncated && <li className="muted">(more not shown)</li>}
        </ul>
      )}
    </div>
  );
}

export const widgets = { path: PathWidget };

const PATH_FORMATS = new Set(["path", "file-path", "directory-path"]);
const PATH_KEYS = new Set(["filepath", "file", "audiofile"]);

/** uiSchema entries giving path fields (by format or by name) the picker. */
export function pathUi(properties: Record<string, Record<string, unknown>>): Record<string, { "ui:widget": string }> {
  const ui: Record<string, { "ui:widget": string }> = {};
  for (const [field, property] of Object.entries(properties)) {
    const isString = property.type === "string" || (Array.isArray(property.anyOf) && property.anyOf.some((p) => (p as { type?: string }).type === "string"));
    if (isString && (PATH_FORMATS.has(String(property.format)) || PATH_KEYS.has(field.toLowerCase()))) ui[field] = { "ui:widget": "path" };
  }
  return ui;
}

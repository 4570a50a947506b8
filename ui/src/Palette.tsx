// Node types from GET /nodes, grouped by plugin and searchable; drag one onto the canvas (or click it).
import { useState } from "react";
import { paletteGroups, type NodeTypeInfo } from "./workflow";

export const DRAG_MIME = "application/x-wwiseflowd-node";

export function Palette({ types, onAdd }: { types: NodeTypeInfo[]; onAdd: (type: string) => void }) {
  const [search, setSearch] = useState("");
  const groups = paletteGroups(types, search);
  return (
    <div className="palette">
      <input className="palette-search" placeholder="Search nodes…" value={search}
        onChange={(event) => setSearch(event.target.value)} />
      {groups.map(([group, items]) => (
        <section key={group}>
          <h4>{group}</h4>
          {items.map((info) => (
            <div key={info.type} className="palette-item" draggable data-node-type={info.type} title={info.description}
              onDragStart={(event) => {
                event.dataTransfer.setData(DRAG_MIME, info.type);
                event.dataTransfer.effectAllowed = "move";
              }}
              onDoubleClick={() => onAdd(info.type)}>
              <b>{info.type}</b> <span>{info.title}</span>
            </div>
          ))}
        </section>
      ))}
      {groups.length === 0 && <p className="muted">No node type matches “{search}”.</p>}
    </div>
  );
}

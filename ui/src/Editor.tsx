// The workflow editor: palette, canvas, inspector, file and run bars. The document is the state;
// React Flow's nodes and edges are derived from it (see flow.ts).
import {
  Background, Controls, MiniMap, ReactFlow, ReactFlowProvider, applyNodeChanges, useReactFlow,
  type Connection, type EdgeChange, type Node, type NodeChange,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import { GraphContext } from "./context";
import { FileBar } from "./FileBar";
import { record, redo, shortcut, startHistory, typingIn, undo, type History } from "./history";
import { nodeTypes } from "./FlowNode";
import { nodesInView, toFlowEdges, toFlowNodes, typeMap, withHidden } from "./flow";
import { useRun, useValidation } from "./hooks";
import { Inspector, WorkflowForm } from "./Inspector";
import { DRAG_MIME, Palette } from "./Palette";
import { RunBar } from "./RunBar";
import {
  INPUTS_NODE_ID, addNode, connect, disconnect, moveNode, problemsByNode, removeNodes, updateData, wiresOf,
  sameDoc, type NodeTypeInfo, type WorkflowDoc,
} from "./workflow";

/** from this many nodes on, React Flow draws only the visible ones */
const BIG_GRAPH = 150;
const BIG_ZOOM = 0.75;

export const EMPTY_DOC: WorkflowDoc = { id: "untitled", nodes: [], edges: [] };

interface Props {
  types: NodeTypeInfo[];
  initialId: string | null;
}

export function Editor(props: Props) {
  return (
    <ReactFlowProvider>
      <EditorInner {...props} />
    </ReactFlowProvider>
  );
}

function EditorInner({ types, initialId }: Props) {
  const [history, setHistory] = useState(() => startHistory<WorkflowDoc>(EMPTY_DOC));
  // the latest history, ahead of rendering: edits in quick succession (two drops) build on each other
  const historyRef = useRef(history);
  const commit = useCallback((next: History<WorkflowDoc>) => {
    historyRef.current = next;
    setHistory(next);
  }, []);
  const doc = history.present;
  const [saved, setSaved] = useState<WorkflowDoc>(EMPTY_DOC);
  const dirty = doc !== saved;
  const [nodes, setNodes] = useState<Node[]>([]);
  const [selectedEdges, setSelectedEdges] = useState<Set<string>>(new Set());
  const byType = useMemo(() => typeMap(types), [types]);
  const { problems } = useValidation(doc.nodes.length > 0 ? doc : null);
  const runControl = useRun();
  const flow = useReactFlow();
  const [revealed, setRevealed] = useState<Set<string> | null>(null);
  const canvasRef = useRef<HTMLElement>(null);
  const canvasSize = useCallback(() => ({
    width: canvasRef.current?.clientWidth ?? window.innerWidth, height: canvasRef.current?.clientHeight ?? window.innerHeight,
  }), []);

  /** Change the document as one undo step; edits of one `kind` in quick succession merge. */
  const edit = useCallback((change: (doc: WorkflowDoc) => WorkflowDoc, kind = "") => {
    const current = historyRef.current;
    const next = change(current.present);
    // a form re-announcing what it shows is no edit (and no undo step)
    if (next !== current.present && !sameDoc(next, current.present)) commit(record(current, next, kind));
  }, [commit]);
  const step = useCallback((direction: "undo" | "redo") => {
    commit(direction === "undo" ? undo(historyRef.current) : redo(historyRef.current));
  }, [commit]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const wanted = shortcut(event);
      if (!wanted || typingIn(event.target)) return;
      event.preventDefault();
      step(wanted);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [step]);
  const load = useCallback((next: WorkflowDoc) => {
    commit(startHistory(next));
    setSaved(next);
    setNodes(toFlowNodes(next));
    runControl.reset();
    if (next.nodes.length > BIG_GRAPH) {
      // a big graph opens on its first node at a readable zoom, and only the nodes on screen are
      // drawn; panning and zooming reveal the others (React Flow would draw all once to measure them)
      const first = next.nodes[0].position ?? { x: 0, y: 0 };
      const viewport = { x: 40 - first.x * BIG_ZOOM, y: 40 - first.y * BIG_ZOOM, zoom: BIG_ZOOM };
      void flow.setViewport(viewport);
      setRevealed(new Set(nodesInView(toFlowNodes(next), viewport, canvasSize())));
    } else {
      setRevealed(null);
      window.setTimeout(() => flow.fitView({ maxZoom: 1 }), 50);
    }
  }, [flow, runControl.reset, canvasSize]);

  const reveal = useCallback(() => {
    if (revealed === null) return;
    const inView = nodesInView(nodes, flow.getViewport(), canvasSize());
    if (inView.some((id) => !revealed.has(id))) setRevealed(new Set([...revealed, ...inView]));
  }, [revealed, nodes, flow, canvasSize]);
  const shown = useMemo(() => withHidden(nodes, revealed), [nodes, revealed]);

  useEffect(() => setNodes((previous) => toFlowNodes(doc, previous)), [doc]);
  const wires = useMemo(() => wiresOf(doc, byType), [doc, byType]);
  const edges = useMemo(() => toFlowEdges(wires, selectedEdges), [wires, selectedEdges]);
  const grouped = useMemo(() => problemsByNode(problems), [problems]);
  const context = useMemo(() => ({ types: byType, problems: grouped, run: runControl.run }), [byType, grouped, runControl.run]);

  const onNodesChange = useCallback((changes: NodeChange[]) => {
    setNodes((current) => applyNodeChanges(changes, current));
    const moved = changes.filter((c) => c.type === "position" && !c.dragging && c.position && c.id !== INPUTS_NODE_ID);
    const removed = new Set(changes.filter((c) => c.type === "remove").map((c) => (c as { id: string }).id));
    if (moved.length || removed.size) {
      edit((current) => {
        let next = current;
        for (const change of moved) {
          if (change.type === "position" && change.position) next = moveNode(next, change.id, change.position);
        }
        return removed.size ? removeNodes(next, removed) : next;
      }, removed.size ? "delete" : "");
    }
  }, [edit]);

  const onEdgesChange = useCallback((changes: EdgeChange[]) => {
    setSelectedEdges((current) => {
      const next = new Set(current);
      for (const change of changes) {
        if (change.type === "select") (change.selected ? next.add(change.id) : next.delete(change.id));
      }
      return next;
    });
    const removed = changes.filter((c) => c.type === "remove").map((c) => c.id);
    if (removed.length) {
      // deleting a node removes its wires too: one undo step ("delete") for both
      edit((current) => wiresOf(current, byType).filter((w) => removed.includes(w.id)).reduce(disconnect, current), "delete");
    }
  }, [edit, byType]);

  const onConnect = useCallback((c: Connection) => {
    edit((current) => connect(current, c.source, c.sourceHandle ?? null, c.target, c.targetHandle ?? null));
  }, [edit]);

  const add = useCallback((type: string, position?: { x: number; y: number }) => {
    const at = position ?? flow.screenToFlowPosition({ x: window.innerWidth / 2, y: window.innerHeight / 2 });
    const [next, id] = addNode(historyRef.current.present, type, at);
    edit(() => next);
    setRevealed((shownIds) => (shownIds === null ? null : new Set([...shownIds, id])));
    setNodes((previous) => [...previous.map((n) => ({ ...n, selected: false })),
      ...toFlowNodes(next, previous).filter((n) => n.id === id).map((n) => ({ ...n, selected: true }))]);
  }, [edit, flow]);

  const onDrop = useCallback((event: DragEvent) => {
    event.preventDefault();
    const type = event.dataTransfer.getData(DRAG_MIME);
    if (type) add(type, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
  }, [add, flow]);

  const selected = nodes.filter((n) => n.selected && n.id !== INPUTS_NODE_ID);
  const selectedDoc = selected.length === 1 ? doc.nodes.find((n) => n.id === selected[0].id) : undefined;
  const general = grouped.get("") ?? [];

  return (
    <GraphContext.Provider value={context}>
      <FileBar doc={doc} dirty={dirty} initialId={initialId} onLoad={load} onSaved={setSaved}
        onRename={(id) => edit((current) => ({ ...current, id }), "id")} />
      <div className="editor">
        <aside className="sidebar-left"><Palette types={types} onAdd={(type) => add(type)} /></aside>
        <main className="canvas" ref={canvasRef} onDragOver={(e) => { e.preventDefault(); e.dataTransfer.dropEffect = "move"; }} onDrop={onDrop}>
          <ReactFlow nodes={shown} edges={edges} nodeTypes={nodeTypes} onNodesChange={onNodesChange} onMoveEnd={reveal}
            onEdgesChange={onEdgesChange} onConnect={onConnect} deleteKeyCode={["Delete", "Backspace"]}
            minZoom={0.05} onlyRenderVisibleElements={nodes.length > BIG_GRAPH} proOptions={{ hideAttribution: true }}>
            <Background />
            <Controls />
            <MiniMap pannable zoomable />
          </ReactFlow>
          <div className="history-buttons">
            <button type="button" className="undo" title="Undo (Ctrl+Z)" disabled={history.past.length === 0}
              onClick={() => step("undo")}>↶ Undo</button>
            <button type="button" className="redo" title="Redo (Ctrl+Shift+Z)" disabled={history.future.length === 0}
              onClick={() => step("redo")}>↷ Redo</button>
          </div>
          {general.length > 0 && (
            <div className="general-errors">
              {general.map((p, i) => <div key={i} className="error-badge" data-error-code={p.code}><b>{p.code}</b> {p.message}</div>)}
            </div>
          )}
        </main>
        <aside className="sidebar-right">
          <RunBar doc={doc} control={runControl} problems={problems} />
          {selectedDoc ? (
            <Inspector node={selectedDoc} info={byType.get(selectedDoc.type)} problems={grouped.get(selectedDoc.id) ?? []}
              onChange={(data) => edit((current) => updateData({ ...current, nodes: current.nodes.map((n) =>
                n.id === selectedDoc.id ? { ...n, data: {} } : n) }, selectedDoc.id, data), `form:${selectedDoc.id}`)} />
          ) : (
            <WorkflowForm doc={doc} problems={problems} onChange={(next, kind) => edit(() => next, kind)} />
          )}
        </aside>
      </div>
    </GraphContext.Provider>
  );
}

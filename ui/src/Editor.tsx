// The workflow editor: palette, canvas, inspector, file and run bars. The document is the state;
// React Flow's nodes and edges are derived from it (see flow.ts).
import {
  Background, Controls, MiniMap, ReactFlow, ReactFlowProvider, applyNodeChanges, useReactFlow,
  type Connection, type EdgeChange, type Node, type NodeChange,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import { GraphContext } from "./context";
import { FileBar } from "./FileBar";
import { nodeTypes } from "./FlowNode";
import { nodesInView, toFlowEdges, toFlowNodes, typeMap, withHidden } from "./flow";
import { useRun, useValidation } from "./hooks";
import { Inspector, WorkflowForm } from "./Inspector";
import { DRAG_MIME, Palette } from "./Palette";
import { RunBar } from "./RunBar";
import {
  INPUTS_NODE_ID, addNode, connect, disconnect, moveNode, problemsByNode, removeNodes, updateData, wiresOf,
  type NodeTypeInfo, type WorkflowDoc,
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
  const [doc, setDoc] = useState<WorkflowDoc>(EMPTY_DOC);
  const [nodes, setNodes] = useState<Node[]>([]);
  const [selectedEdges, setSelectedEdges] = useState<Set<string>>(new Set());
  const [dirty, setDirty] = useState(false);
  const byType = useMemo(() => typeMap(types), [types]);
  const { problems } = useValidation(doc.nodes.length > 0 ? doc : null);
  const runControl = useRun();
  const flow = useReactFlow();
  const [revealed, setRevealed] = useState<Set<string> | null>(null);
  const canvasRef = useRef<HTMLElement>(null);
  const canvasSize = useCallback(() => ({
    width: canvasRef.current?.clientWidth ?? window.innerWidth, height: canvasRef.current?.clientHeight ?? window.innerHeight,
  }), []);

  const edit = useCallback((change: (doc: WorkflowDoc) => WorkflowDoc) => {
    setDoc((current) => change(current));
    setDirty(true);
  }, []);
  const load = useCallback((next: WorkflowDoc) => {
    setDoc(next);
    setNodes(toFlowNodes(next));
    setDirty(false);
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
      });
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
      edit((current) => wiresOf(current, byType).filter((w) => removed.includes(w.id)).reduce(disconnect, current));
    }
  }, [edit, byType]);

  const onConnect = useCallback((c: Connection) => {
    edit((current) => connect(current, c.source, c.sourceHandle ?? null, c.target, c.targetHandle ?? null));
  }, [edit]);

  const add = useCallback((type: string, position?: { x: number; y: number }) => {
    const at = position ?? flow.screenToFlowPosition({ x: window.innerWidth / 2, y: window.innerHeight / 2 });
    edit((current) => {
      const [next, id] = addNode(current, type, at);
      setRevealed((shownIds) => (shownIds === null ? null : new Set([...shownIds, id])));
      setNodes((previous) => [...previous.map((n) => ({ ...n, selected: false })),
        ...toFlowNodes(next, previous).filter((n) => n.id === id).map((n) => ({ ...n, selected: true }))]);
      return next;
    });
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
      <FileBar doc={doc} dirty={dirty} initialId={initialId} onLoad={load} onSaved={() => setDirty(false)}
        onRename={(id) => setDoc((current) => ({ ...current, id }))} />
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
                n.id === selectedDoc.id ? { ...n, data: {} } : n) }, selectedDoc.id, data))} />
          ) : (
            <WorkflowForm doc={doc} onChange={(next) => edit(() => next)} />
          )}
        </aside>
      </div>
    </GraphContext.Provider>
  );
}

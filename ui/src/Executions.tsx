// Executions: the history list with filters, and one execution's graph coloured by its node results.
import { Background, Controls, ReactFlow, ReactFlowProvider, applyNodeChanges, type Node, type NodeChange } from "@xyflow/react";
import { useEffect, useMemo, useState } from "react";
import { PAGE_SIZE, api, executionsQuery, type ExecutionFilters, type ExecutionPage } from "./api";
import { GraphContext } from "./context";
import { nodeTypes } from "./FlowNode";
import { toFlowEdges, toFlowNodes, typeMap } from "./flow";
import { formatMs, stateOfResult, type ExecutionResult } from "./status";
import { serialise, wiresOf, type NodeTypeInfo, type WorkflowDoc } from "./workflow";

/** the front doors a run is recorded with (`watch`: the daemon's drop folders) */
const SOURCES: [string, string][] = [["", "any"], ["editor", "editor"], ["rest", "REST"], ["cli", "CLI"],
  ["watch", "drop folders (watch)"], ["mcp", "MCP"]];
const STATUSES = ["", "running", "succeeded", "failed", "cancelled"];

export function ExecutionList() {
  const [page, setPage] = useState<ExecutionPage | null>(null);
  const [filters, setFilters] = useState<ExecutionFilters>({ status: "", source: "", workflow: "" });
  const [offset, setOffset] = useState(0);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    // the server filters and pages; typing in the workflow box asks once it pauses. An answer to
    // filters since changed is dropped: it may come after the answer to the new ones
    let current = true;
    const timer = window.setTimeout(() => {
      api.executions(executionsQuery(filters, offset))
        .then((found) => { if (current) { setPage(found); setError(null); } })
        .catch((e) => { if (current) setError(String(e.message)); });
    }, filters.workflow ? 250 : 0);
    return () => { current = false; window.clearTimeout(timer); };
  }, [filters, offset]);
  const filter = (name: keyof ExecutionFilters) => (value: string) => {
    setFilters((current) => ({ ...current, [name]: value }));
    setOffset(0);
  };
  const items = page?.items ?? [];
  return (
    <div className="page">
      <h2>Executions</h2>
      <div className="filters">
        <label>status <select className="filter-status" value={filters.status} onChange={(e) => filter("status")(e.target.value)}>{STATUSES.map((s) => <option key={s} value={s}>{s || "any"}</option>)}</select></label>
        <label>source <select className="filter-source" value={filters.source} onChange={(e) => filter("source")(e.target.value)}>{SOURCES.map(([value, label]) => <option key={value} value={value}>{label}</option>)}</select></label>
        <label>workflow <input className="filter-workflow" value={filters.workflow} onChange={(e) => filter("workflow")(e.target.value)} /></label>
      </div>
      {error && <p className="message error">{error}</p>}
      <table className="executions" data-offset={offset}>
        <thead><tr><th>execution</th><th>workflow</th><th>status</th><th>source</th><th>duration</th><th>started</th></tr></thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.executionId} data-execution-id={item.executionId} data-status={item.status}>
              <td><a href={`/executions/${item.executionId}`}>{item.executionId}</a></td>
              <td>{item.workflowId}</td><td className={`status-${item.status}`}>{item.status}</td>
              <td>{item.source}</td><td>{formatMs(item.durationMs)}</td><td>{item.startedAt}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page && items.length === 0 && <p className="muted">No executions match.</p>}
      <div className="pager">
        <button type="button" className="newer" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>← Newer</button>
        <span className="muted">{items.length ? `${offset + 1}–${offset + items.length}` : ""}</span>
        <button type="button" className="older" disabled={page?.nextOffset == null} onClick={() => page?.nextOffset != null && setOffset(page.nextOffset)}>Older →</button>
      </div>
    </div>
  );
}

/** The document the run compiled (kept with it); for runs recorded before that, the workflow file
 * when its node ids match, else the result's nodes in a row. */
async function graphOf(result: ExecutionResult): Promise<WorkflowDoc> {
  const kept = await api.executionDocument(result.executionId).catch(() => null);
  if (kept) return kept.document;
  const file = await api.workflow(result.workflowId).catch(() => null);
  const ids = new Set(result.results.map((r) => r.node));
  if (file?.document && file.document.nodes.every((n) => ids.has(n.id))) return file.document;
  return {
    id: result.workflowId,
    nodes: result.results.map((r, i) => ({ id: r.node, type: r.type, position: { x: i * 300, y: 0 }, data: {} })),
  };
}

export function ExecutionView({ id, types }: { id: string; types: NodeTypeInfo[] }) {
  const [result, setResult] = useState<ExecutionResult | null>(null);
  const [doc, setDoc] = useState<WorkflowDoc | null>(null);
  const [nodes, setNodes] = useState<Node[]>([]);
  const [error, setError] = useState<string | null>(null);
  const byType = useMemo(() => typeMap(types), [types]);
  useEffect(() => {
    let current = true;  // another execution opened meanwhile: this one's answers are dropped
    api.execution(id).then(async (found) => {
      if (!current) return;
      setResult(found);
      const graph = await graphOf(found);
      if (!current) return;
      setDoc(graph);
      setNodes(toFlowNodes(graph));
    }).catch((e) => { if (current) setError(String(e.message)); });
    return () => { current = false; };
  }, [id]);
  const edges = useMemo(() => (doc ? toFlowEdges(wiresOf(doc, byType), new Set()) : []), [doc, byType]);
  const context = useMemo(() => ({ types: byType, problems: new Map(), run: result ? stateOfResult(result) : {} }), [byType, result]);
  if (error) return <div className="page"><p className="message error">{error}</p></div>;
  if (!result) return <div className="page"><p className="muted">Loading {id}…</p></div>;
  return (
    <GraphContext.Provider value={context}>
      <div className="page execution" data-execution-id={result.executionId} data-status={result.status}>
        <h2>{result.executionId} <small>{result.workflowId} · {result.status} · {result.source} · {formatMs(result.durationMs)}</small></h2>
        {result.error && <p className="message error">{result.code}: {result.error}</p>}
        {doc && <a href={`/?workflow=${encodeURIComponent(doc.id ?? "")}`}>open the workflow file</a>}
        {doc && <button type="button" className="copy-run-json" onClick={() => navigator.clipboard?.writeText(serialise(doc))}>Copy the run's JSON</button>}
        <div className="canvas execution-canvas">
          <ReactFlowProvider>
            <ReactFlow nodes={nodes} edges={edges} nodeTypes={nodeTypes} fitView nodesConnectable={false}
              onNodesChange={(changes: NodeChange[]) => setNodes((current) => applyNodeChanges(changes, current))}
              proOptions={{ hideAttribution: true }}>
              <Background /><Controls />
            </ReactFlow>
          </ReactFlowProvider>
        </div>
      </div>
    </GraphContext.Provider>
  );
}

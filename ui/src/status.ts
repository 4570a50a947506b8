// Run status per node, from GET /events messages and from an execution result.

export type NodeStatus = "idle" | "running" | "ok" | "cached" | "failed" | "skipped";

export interface NodeRun {
  status: NodeStatus;
  durationMs?: number | null;
  output?: unknown;
  error?: string | null;
  code?: string | null;
}

export interface NodeResult {
  node: string;
  type: string;
  ok: boolean;
  cached: boolean;
  skipped: boolean;
  data?: unknown;
  error?: string | null;
  code?: string | null;
  durationMs?: number | null;
}

export interface ExecutionResult {
  ok: boolean;
  executionId: string;
  workflowId: string;
  status: "running" | "succeeded" | "failed" | "cancelled";
  stopAt?: string | null;
  error?: string | null;
  code?: string | null;
  results: NodeResult[];
  startedAt: string;
  durationMs: number;
  source: string;
}

export interface EngineEvent {
  type: string;
  executionId?: string;
  nodeId?: string;
  ok?: boolean;
  cached?: boolean;
  code?: string | null;
  durationMs?: number | null;
  [key: string]: unknown;
}

export type RunState = Record<string, NodeRun>;

/** The status of one node result. */
export function statusOf(result: NodeResult): NodeStatus {
  if (result.skipped) return "skipped";
  if (!result.ok) return "failed";
  return result.cached ? "cached" : "ok";
}

/** The run state after one event; events of other executions leave it unchanged. */
export function applyEvent(state: RunState, event: EngineEvent, executionId: string): RunState {
  if (event.executionId !== executionId || !event.nodeId) return state;
  if (event.type === "node.started") {
    return { ...state, [event.nodeId]: { status: "running" } };
  }
  if (event.type === "node.finished") {
    const status: NodeStatus = !event.ok ? "failed" : event.cached ? "cached" : "ok";
    return { ...state, [event.nodeId]: { ...state[event.nodeId], status, durationMs: event.durationMs, code: event.code } };
  }
  return state;
}

/** The run state an execution result describes (authoritative: it has outputs and error sentences). */
export function stateOfResult(result: ExecutionResult): RunState {
  const state: RunState = {};
  for (const node of result.results) {
    state[node.node] = {
      status: statusOf(node),
      durationMs: node.durationMs,
      output: node.data,
      error: node.error,
      code: node.code,
    };
  }
  return state;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "";
  return ms < 1000 ? `${ms.toFixed(ms < 10 ? 1 : 0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

// One workflow node on the canvas: a row per input (target handle), a row per output (source handle),
// error badges from validation and the node's run status. Attributes are the contract browser tests use.
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import { useGraph } from "./context";
import { formatMs } from "./status";
import { INPUTS_NODE_ID, ORDER_HANDLE, canvasFields, parseRef, type Json } from "./workflow";

export interface FlowNodeData extends Record<string, unknown> {
  nodeType: string;
  values: Record<string, Json>;
  outputs?: string[];
}

function preview(value: Json | undefined): string {
  if (value === undefined || value === null) return "";
  const ref = parseRef(value);
  if (ref) return ref.source === INPUTS_NODE_ID ? `← input ${ref.output}` : `← ${ref.source}.${ref.output}`;
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 28 ? `${text.slice(0, 27)}…` : text;
}

function FlowNodeView({ id, data, selected }: NodeProps) {
  const { nodeType, values } = data as FlowNodeData;
  const { types, problems, run } = useGraph();
  const info = types.get(nodeType);
  const errors = problems.get(id) ?? [];
  const state = run[id] ?? { status: "idle" as const };
  const required = new Set(info?.inputs.required ?? []);
  const { shown: fields, hidden } = canvasFields(info, values);
  const badFields = new Set(errors.map((e) => e.field).filter(Boolean));
  return (
    <div
      className={`wf-node status-${state.status}${selected ? " selected" : ""}${errors.length ? " has-errors" : ""}`}
      data-node-id={id}
      data-node-type={nodeType}
      data-status={state.status}
    >
      <Handle type="target" position={Position.Top} id={ORDER_HANDLE} className="order-handle" />
      <div className="wf-node-title">
        <span className="wf-node-id">{id}</span>
        <span className="wf-node-type">{info?.title ?? nodeType}</span>
        {state.status !== "idle" && (
          <span className="wf-node-status">{state.status} {formatMs(state.durationMs)}</span>
        )}
      </div>
      {fields.map((field) => (
        <div key={field} className={`wf-field${badFields.has(field) ? " field-error" : ""}`} data-field={field}>
          <Handle type="target" position={Position.Left} id={field} />
          <span className="wf-field-name">{field}{required.has(field) ? "*" : ""}</span>
          <span className="wf-field-value">{preview(values[field])}</span>
        </div>
      ))}
      {hidden > 0 && <div className="wf-more muted">+{hidden} optional in the form</div>}
      {(info?.outputs ?? []).map((output) => (
        <div key={output} className="wf-output" data-output={output}>
          <span>{output}</span>
          <Handle type="source" position={Position.Right} id={output} />
        </div>
      ))}
      {errors.map((error, index) => (
        <div key={index} className="error-badge" data-error-code={error.code} title={error.message}>
          <b>{error.code}</b> {error.message}
        </div>
      ))}
      {state.error && <div className="run-error" data-run-code={state.code ?? ""}>{state.error}</div>}
      {state.output !== undefined && state.output !== null && state.status !== "failed" && (
        <pre className="run-output">{JSON.stringify(state.output, null, 1).slice(0, 300)}</pre>
      )}
      <Handle type="source" position={Position.Bottom} id={ORDER_HANDLE} className="order-handle" />
    </div>
  );
}

function InputsNodeView({ data }: NodeProps) {
  const { outputs = [] } = data as FlowNodeData;
  return (
    <div className="wf-node wf-inputs" data-node-id={INPUTS_NODE_ID} data-node-type="workflow inputs" data-status="idle">
      <div className="wf-node-title"><span className="wf-node-type">Workflow inputs</span></div>
      {outputs.map((name) => (
        <div key={name} className="wf-output" data-output={name}>
          <span>{name}</span>
          <Handle type="source" position={Position.Right} id={name} />
        </div>
      ))}
    </div>
  );
}

export const FlowNode = memo(FlowNodeView);
export const InputsNode = memo(InputsNodeView);
export const nodeTypes = { wf: FlowNode, inputs: InputsNode };

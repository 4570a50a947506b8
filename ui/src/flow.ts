// The document as React Flow nodes and edges. Nodes keep what React Flow measured between renders.
import { MarkerType, type Edge, type Node } from "@xyflow/react";
import type { FlowNodeData } from "./FlowNode";
import { INPUTS_NODE_ID, refsIn, type NodeTypeInfo, type Wire, type WorkflowDoc } from "./workflow";

/** Input names the inputs node offers: the declared ones and any `$input:` reference. */
export function inputNames(doc: WorkflowDoc): string[] {
  const names = new Set(Object.keys(doc.inputs ?? {}));
  for (const node of doc.nodes) {
    for (const value of Object.values(node.data ?? {})) {
      for (const ref of refsIn(value)) if (ref.source === INPUTS_NODE_ID) names.add(ref.output);
    }
  }
  return [...names];
}

/** React Flow nodes for `doc`, reusing `previous` nodes whose document node did not change. */
export function toFlowNodes(doc: WorkflowDoc, previous: Node[] = []): Node[] {
  const before = new Map(previous.map((node) => [node.id, node]));
  const nodes: Node[] = doc.nodes.map((docNode, index) => {
    const old = before.get(docNode.id);
    const position = docNode.position ?? old?.position ?? { x: (index % 8) * 280, y: Math.floor(index / 8) * 220 };
    const values = docNode.data ?? {};
    const oldData = old?.data as FlowNodeData | undefined;
    if (old && oldData?.values === values && oldData.nodeType === docNode.type
        && old.position.x === position.x && old.position.y === position.y) {
      return old;
    }
    return { ...old, id: docNode.id, type: "wf", position, data: { nodeType: docNode.type, values } };
  });
  const names = inputNames(doc);
  if (names.length > 0) {
    const old = before.get(INPUTS_NODE_ID);
    const xs = doc.nodes.map((n) => n.position?.x ?? 0);
    const ys = doc.nodes.map((n) => n.position?.y ?? 0);
    const position = old?.position ?? { x: Math.min(0, ...xs) - 280, y: Math.min(0, ...ys) };
    const oldNames = (old?.data as FlowNodeData | undefined)?.outputs;
    const same = old && oldNames && oldNames.join("\n") === names.join("\n");
    nodes.unshift(same ? old : { ...old, id: INPUTS_NODE_ID, type: "inputs", position, deletable: false,
      data: { nodeType: "inputs", values: {}, outputs: names } });
  }
  return nodes;
}

const DASHED = { strokeDasharray: "6 4" };

/** React Flow edges for the wires; `selected` holds the ids of selected wires. */
export function toFlowEdges(wires: Wire[], selected: Set<string>): Edge[] {
  return wires.map((wire) => ({
    id: wire.id,
    source: wire.source,
    target: wire.target,
    sourceHandle: wire.sourceHandle,
    targetHandle: wire.targetHandle,
    label: wire.label,
    selected: selected.has(wire.id),
    className: `wire-${wire.kind}`,
    style: wire.kind === "auto" || wire.kind === "order" ? DASHED : undefined,
    markerEnd: { type: MarkerType.ArrowClosed },
    data: { kind: wire.kind },
  }));
}

export function typeMap(types: NodeTypeInfo[]): Map<string, NodeTypeInfo> {
  return new Map(types.map((info) => [info.type, info]));
}

/** Node size assumed before React Flow has measured a node (for deciding what is on screen). */
const GUESS = { width: 240, height: 260 };

/** Ids of the nodes inside the visible part of the canvas (plus `margin` screen pixels around it). */
export function nodesInView(
  nodes: Node[], viewport: { x: number; y: number; zoom: number }, size: { width: number; height: number }, margin = 300,
): string[] {
  const left = (-viewport.x - margin) / viewport.zoom;
  const top = (-viewport.y - margin) / viewport.zoom;
  const right = left + (size.width + 2 * margin) / viewport.zoom;
  const bottom = top + (size.height + 2 * margin) / viewport.zoom;
  return nodes.filter((node) => {
    const width = node.measured?.width ?? GUESS.width;
    const height = node.measured?.height ?? GUESS.height;
    const { x, y } = node.position;
    return x + width >= left && x <= right && y + height >= top && y <= bottom;
  }).map((node) => node.id);
}

/** `nodes` with those not `revealed` hidden (none hidden when `revealed` is null). */
export function withHidden(nodes: Node[], revealed: Set<string> | null): Node[] {
  if (revealed === null) return nodes;
  return nodes.map((node) => (revealed.has(node.id) || node.selected ? node : { ...node, hidden: true }));
}

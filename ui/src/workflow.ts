// The workflow document and the editor's graph: pure functions, unit-tested in workflow.test.ts.
// The document is the React Flow JSON the CLI and REST run; references in node data are the wires.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface DocNode {
  id: string;
  type: string;
  position?: { x: number; y: number };
  data?: Record<string, Json>;
  [key: string]: unknown;
}

export interface DocEdge {
  id: string;
  source: string;
  target: string;
  sourceHandle?: string | null;
  targetHandle?: string | null;
  [key: string]: unknown;
}

export interface InputSpec {
  type?: string;
  default?: Json;
  required?: boolean;
  description?: string;
  format?: string;
}

export interface WorkflowDoc {
  id?: string;
  name?: string;
  inputs?: Record<string, InputSpec>;
  nodes: DocNode[];
  edges?: DocEdge[];
  [key: string]: unknown;
}

export interface NodeTypeInfo {
  type: string;
  title: string;
  description: string;
  inputs: { properties?: Record<string, Record<string, unknown>>; required?: string[]; [k: string]: unknown };
  outputs: string[];
  readOnly?: boolean;
  plugin?: string | null;
}

export interface Problem {
  nodeId: string | null;
  field: string | null;
  code: string;
  message: string;
}

/** A wire the editor draws: a reference in a node's data, or an edge of the document. */
export interface Wire {
  id: string;
  source: string;
  target: string;
  sourceHandle: string | null;
  targetHandle: string | null;
  /** ref: a $from/$input value; edge: a document edge with handles; auto: an edge that auto-wires; order: ordering only */
  kind: "ref" | "edge" | "auto" | "order";
  label?: string;
}

export const INPUTS_NODE_ID = "__inputs__";
export const ORDER_HANDLE = "__order";

const FROM_RE = /^\$from:([^:]+):\$output:(.+)$/;
const INPUT_PREFIX = "$input:";

export function fromRef(nodeId: string, output: string): string {
  return `$from:${nodeId}:$output:${output}`;
}

export function inputRef(name: string): string {
  return `${INPUT_PREFIX}${name}`;
}

/** The node and output a `$from:` value names, or `$input:` as the inputs node; null for literals. */
export function parseRef(value: unknown): { source: string; output: string } | null {
  if (typeof value !== "string") return null;
  const match = FROM_RE.exec(value);
  if (match) return { source: match[1], output: match[2] };
  if (value.startsWith(INPUT_PREFIX)) return { source: INPUTS_NODE_ID, output: value.slice(INPUT_PREFIX.length) };
  return null;
}

/** Every reference inside a field value (references may sit in lists and objects). */
export function refsIn(value: Json | undefined): { source: string; output: string }[] {
  if (Array.isArray(value)) return value.flatMap((item) => refsIn(item));
  if (value !== null && typeof value === "object") return Object.values(value).flatMap((item) => refsIn(item));
  const ref = parseRef(value);
  return ref ? [ref] : [];
}

function isEmpty(value: Json | undefined): boolean {
  return value === undefined || value === null || value === "";
}

/** The wires of a document: references, handle edges, auto-wiring edges and ordering edges. */
export function wiresOf(doc: WorkflowDoc, types: Map<string, NodeTypeInfo>): Wire[] {
  const wires: Wire[] = [];
  const byId = new Map(doc.nodes.map((node) => [node.id, node]));
  const referenced = new Set<string>();
  for (const node of doc.nodes) {
    for (const [field, value] of Object.entries(node.data ?? {})) {
      refsIn(value).forEach((ref, index) => {
        referenced.add(`${ref.source}->${node.id}`);
        wires.push({
          id: `ref:${node.id}:${field}:${index}`,
          source: ref.source,
          target: node.id,
          sourceHandle: ref.output,
          targetHandle: field,
          kind: "ref",
        });
      });
    }
  }
  for (const edge of doc.edges ?? []) {
    const hasHandles = Boolean(edge.sourceHandle || edge.targetHandle);
    if (hasHandles) {
      const sourceHandle = edge.sourceHandle || edge.targetHandle || null;
      const targetHandle = edge.targetHandle || edge.sourceHandle || null;
      wires.push({ id: edge.id, source: edge.source, target: edge.target, sourceHandle, targetHandle, kind: "edge" });
      continue;
    }
    const auto = autoWired(edge, byId, types);
    if (auto.length > 0) {
      wires.push({
        id: edge.id, source: edge.source, target: edge.target, sourceHandle: auto[0], targetHandle: auto[0],
        kind: "auto", label: `auto: ${auto.join(", ")}`,
      });
    } else if (!referenced.has(`${edge.source}->${edge.target}`)) {
      wires.push({
        id: edge.id, source: edge.source, target: edge.target,
        sourceHandle: ORDER_HANDLE, targetHandle: ORDER_HANDLE, kind: "order",
      });
    }
  }
  return wires;
}

/** Required inputs of the edge's target left empty that its source outputs (the compiler's auto-wiring). */
export function autoWired(edge: DocEdge, byId: Map<string, DocNode>, types: Map<string, NodeTypeInfo>): string[] {
  const source = byId.get(edge.source);
  const target = byId.get(edge.target);
  if (!source || !target) return [];
  const outputs = new Set(types.get(source.type)?.outputs ?? []);
  const required = types.get(target.type)?.inputs.required ?? [];
  return required.filter((name) => outputs.has(name) && isEmpty(target.data?.[name]));
}

/** The document after connecting `source.output` to `target.field`: the field holds the reference. */
export function connect(
  doc: WorkflowDoc, source: string, output: string | null, target: string, field: string | null,
): WorkflowDoc {
  if (source === target) return doc;
  if (!output || !field || output === ORDER_HANDLE || field === ORDER_HANDLE) {
    const edges = doc.edges ?? [];
    if (edges.some((e) => e.source === source && e.target === target)) return doc;
    return { ...doc, edges: [...edges, { id: uniqueId(`${source}-${target}`, edges.map((e) => e.id)), source, target }] };
  }
  const value = source === INPUTS_NODE_ID ? inputRef(output) : fromRef(source, output);
  return updateData(doc, target, { [field]: value });
}

/** The document without the wire: a reference empties its field, an edge is removed. */
export function disconnect(doc: WorkflowDoc, wire: Wire): WorkflowDoc {
  if (wire.kind !== "ref") {
    return { ...doc, edges: (doc.edges ?? []).filter((edge) => edge.id !== wire.id) };
  }
  const node = doc.nodes.find((n) => n.id === wire.target);
  if (!node || !wire.targetHandle) return doc;
  const data = { ...(node.data ?? {}) };
  delete data[wire.targetHandle];
  return replaceNode(doc, { ...node, data });
}

export function updateData(doc: WorkflowDoc, nodeId: string, values: Record<string, Json>): WorkflowDoc {
  const node = doc.nodes.find((n) => n.id === nodeId);
  if (!node) return doc;
  return replaceNode(doc, { ...node, data: { ...(node.data ?? {}), ...values } });
}

export function replaceNode(doc: WorkflowDoc, node: DocNode): WorkflowDoc {
  return { ...doc, nodes: doc.nodes.map((n) => (n.id === node.id ? node : n)) };
}

/** A new node of `type` at `position`, with an id not yet used in the document. */
export function addNode(doc: WorkflowDoc, type: string, position: { x: number; y: number }): [WorkflowDoc, string] {
  const id = uniqueId(type, doc.nodes.map((n) => n.id));
  const node: DocNode = { id, type, position: { x: Math.round(position.x), y: Math.round(position.y) }, data: {} };
  return [{ ...doc, nodes: [...doc.nodes, node] }, id];
}

export function removeNodes(doc: WorkflowDoc, ids: Set<string>): WorkflowDoc {
  return {
    ...doc,
    nodes: doc.nodes.filter((n) => !ids.has(n.id)),
    edges: (doc.edges ?? []).filter((e) => !ids.has(e.source) && !ids.has(e.target)),
  };
}

export function moveNode(doc: WorkflowDoc, nodeId: string, position: { x: number; y: number }): WorkflowDoc {
  const node = doc.nodes.find((n) => n.id === nodeId);
  if (!node) return doc;
  return replaceNode(doc, { ...node, position: { x: Math.round(position.x), y: Math.round(position.y) } });
}

export function uniqueId(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let n = 1; ; n += 1) {
    const candidate = `${base}${n}`;
    if (!used.has(candidate)) return candidate;
  }
}

/** Compile problems grouped by node id (`""` for those about the whole document). */
export function problemsByNode(problems: Problem[]): Map<string, Problem[]> {
  const grouped = new Map<string, Problem[]>();
  for (const problem of problems) {
    const key = problem.nodeId ?? "";
    grouped.set(key, [...(grouped.get(key) ?? []), problem]);
  }
  return grouped;
}

/** True when both documents would be saved as the same file. */
export function sameDoc(a: WorkflowDoc, b: WorkflowDoc): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** Serialise like a hand-written file: two-space JSON, trailing newline. */
export function serialise(doc: WorkflowDoc): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Node types grouped by plugin and filtered by a search text (type, title or description). */
export function paletteGroups(types: NodeTypeInfo[], search: string): [string, NodeTypeInfo[]][] {
  const needle = search.trim().toLowerCase();
  const groups = new Map<string, NodeTypeInfo[]>();
  for (const info of types) {
    const text = `${info.type} ${info.title} ${info.description}`.toLowerCase();
    if (needle && !text.includes(needle)) continue;
    const group = info.plugin || "built-in";
    groups.set(group, [...(groups.get(group) ?? []), info]);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

type Schema = Record<string, unknown>;

/** A property schema as the form shows it: `X | null` (pydantic's optional fields) becomes plain X,
 * so a sound designer gets a text box rather than a type chooser; a null default is dropped. */
export function formProperty(property: Schema): Schema {
  const choices = property.anyOf as Schema[] | undefined;
  if (!Array.isArray(choices)) return property;
  const concrete = choices.filter((choice) => choice.type !== "null");
  if (concrete.length !== 1) return property;
  const { anyOf: _anyOf, default: fallback, ...rest } = property;
  return { ...concrete[0], ...rest, ...(fallback === null || fallback === undefined ? {} : { default: fallback }) };
}

/** The node's input schema for the form, without the fields that hold wires. */
export function formSchema(inputs: NodeTypeInfo["inputs"], wired: Iterable<string>): Schema {
  const skip = new Set(wired);
  const properties = Object.fromEntries(
    Object.entries(inputs.properties ?? {}).filter(([field]) => !skip.has(field)).map(([field, p]) => [field, formProperty(p)]),
  );
  return { ...inputs, title: undefined, properties, required: (inputs.required ?? []).filter((field) => !skip.has(field)) };
}

/** Fields a node shows on the canvas (each with its input handle): required ones, those holding a
 * value, and those without a meaningful default; the rest live in the form only. */
export function canvasFields(info: NodeTypeInfo | undefined, values: Record<string, Json>): { shown: string[]; hidden: number } {
  const properties = info?.inputs.properties ?? {};
  const required = new Set(info?.inputs.required ?? []);
  const shown = Object.keys(properties).filter((field) => {
    const fallback = properties[field]?.default;
    return required.has(field) || values[field] !== undefined || fallback === undefined || fallback === null;
  });
  for (const field of Object.keys(values)) if (!shown.includes(field)) shown.push(field);
  return { shown, hidden: Object.keys(properties).filter((field) => !shown.includes(field)).length };
}

/** Form placeholders showing each field's default (the form leaves defaults out of the document). */
export function formPlaceholders(inputs: NodeTypeInfo["inputs"]): Record<string, { "ui:placeholder": string }> {
  const hints: Record<string, { "ui:placeholder": string }> = {};
  for (const [field, property] of Object.entries(inputs.properties ?? {})) {
    const fallback = property.default;
    if (fallback !== undefined && fallback !== null && typeof fallback !== "object") hints[field] = { "ui:placeholder": String(fallback) };
  }
  return hints;
}

import { describe, expect, it } from "vitest";
import { csrfToken, executionsQuery } from "./api";
import { pathUi } from "./PathPicker";
import { inputNames, nodesInView, toFlowNodes, withHidden } from "./flow";
import { parseRoute } from "./router";
import { applyEvent, stateOfResult, type ExecutionResult } from "./status";
import {
  INPUTS_NODE_ID, addNode, formSchema, connect, disconnect, paletteGroups, parseRef, problemsByNode, removeNodes, serialise,
  wiresOf, type NodeTypeInfo, type WorkflowDoc,
} from "./workflow";

const schema = (required: string[], props: string[]) => ({
  type: "object", required, properties: Object.fromEntries(props.map((p) => [p, { type: "string" }])),
});
const TYPES: NodeTypeInfo[] = [
  { type: "createSound", title: "Create Sound", description: "", inputs: schema(["name", "parentPath"], ["name", "parentPath"]), outputs: ["objectId", "name", "path"], plugin: "wwise" },
  { type: "audioImport", title: "Import audio", description: "", inputs: schema([], ["objectId", "filePath"]), outputs: ["objectId"], plugin: "wwise" },
  { type: "setOutputBus", title: "Set output bus", description: "", inputs: schema(["objectId", "busPath"], ["objectId", "busPath"]), outputs: ["objectId"], plugin: "wwise" },
  { type: "projectSave", title: "Save project", description: "", inputs: schema([], []), outputs: [], plugin: "wwise" },
  { type: "audioCheck", title: "Audio check", description: "loudness", inputs: schema([], []), outputs: ["passed"], plugin: "audiocheck" },
];
const byType = new Map(TYPES.map((t) => [t.type, t]));

const FOUR_NODE: WorkflowDoc = {
  id: "four-node",
  inputs: { file: { type: "string", format: "path" } },
  nodes: [
    { id: "create", type: "createSound", position: { x: 0, y: 100 }, data: { name: "A", parentPath: "\\X" } },
    { id: "import", type: "audioImport", position: { x: 300, y: 0 }, data: { objectId: "$from:create:$output:objectId", filePath: "$input:file" } },
    { id: "bus", type: "setOutputBus", position: { x: 300, y: 200 }, data: { busPath: "\\B" } },
    { id: "save", type: "projectSave", position: { x: 600, y: 100 }, data: {} },
  ],
  edges: [
    { id: "create-import", source: "create", target: "import" },
    { id: "create-bus", source: "create", target: "bus" },
    { id: "bus-save", source: "bus", target: "save" },
  ],
};

describe("wires", () => {
  it("draws $from and $input references as wires into the field's handle", () => {
    const wires = wiresOf(FOUR_NODE, byType);
    expect(wires).toContainEqual(expect.objectContaining({ source: "create", target: "import", sourceHandle: "objectId", targetHandle: "objectId", kind: "ref" }));
    expect(wires).toContainEqual(expect.objectContaining({ source: INPUTS_NODE_ID, target: "import", sourceHandle: "file", targetHandle: "filePath", kind: "ref" }));
  });

  it("shows an edge that auto-wires a required empty input as an auto wire, and hides edges a reference repeats", () => {
    const wires = wiresOf(FOUR_NODE, byType);
    expect(wires.find((w) => w.id === "create-bus")).toMatchObject({ kind: "auto", targetHandle: "objectId", label: "auto: objectId" });
    expect(wires.find((w) => w.id === "bus-save")).toMatchObject({ kind: "order" });
    expect(wires.find((w) => w.id === "create-import")).toBeUndefined();
  });

  it("connecting an output to an input writes the $from reference; disconnecting removes it", () => {
    const connected = connect(FOUR_NODE, "create", "objectId", "bus", "objectId");
    expect(connected.nodes[2].data?.objectId).toBe("$from:create:$output:objectId");
    const wire = wiresOf(connected, byType).find((w) => w.kind === "ref" && w.target === "bus")!;
    expect(disconnect(connected, wire).nodes[2].data).toEqual({ busPath: "\\B" });
  });

  it("connecting from the inputs node writes $input, and order handles add an edge once", () => {
    expect(connect(FOUR_NODE, INPUTS_NODE_ID, "file", "create", "name").nodes[0].data?.name).toBe("$input:file");
    const once = connect(FOUR_NODE, "import", "__order", "save", "__order");
    expect(once.edges?.at(-1)).toMatchObject({ source: "import", target: "save" });
    expect(connect(once, "import", null, "save", null).edges).toHaveLength(once.edges!.length);
  });

  it("parses references and leaves literals alone", () => {
    expect(parseRef("$from:a:$output:objectId")).toEqual({ source: "a", output: "objectId" });
    expect(parseRef("literal $from:a")).toBeNull();
  });
});

describe("document", () => {
  it("serialises an unedited document exactly as it was given (positions included)", () => {
    const text = JSON.stringify(FOUR_NODE, null, 2) + "\n";
    expect(serialise(JSON.parse(text))).toBe(text);
  });

  it("adds nodes with fresh ids and removes nodes with their edges", () => {
    const [doc, id] = addNode(FOUR_NODE, "createSound", { x: 10.4, y: 20.6 });
    expect(id).toBe("createSound1");
    expect(doc.nodes.at(-1)).toEqual({ id, type: "createSound", position: { x: 10, y: 21 }, data: {} });
    const removed = removeNodes(FOUR_NODE, new Set(["bus"]));
    expect(removed.edges?.map((e) => e.id)).toEqual(["create-import"]);
  });

  it("keeps React Flow's measured nodes when their document node did not change", () => {
    const first = toFlowNodes(FOUR_NODE).map((n) => ({ ...n, measured: { width: 200, height: 80 } }));
    const again = toFlowNodes(FOUR_NODE, first);
    expect(again[1]).toBe(first[1]);
    expect(again[0].id).toBe(INPUTS_NODE_ID);
    expect(inputNames(FOUR_NODE)).toEqual(["file"]);
  });

  it("groups the palette by plugin and filters it by type, title or description", () => {
    expect(paletteGroups(TYPES, "").map(([g]) => g)).toEqual(["audiocheck", "wwise"]);
    expect(paletteGroups(TYPES, "loud")).toEqual([["audiocheck", [TYPES[4]]]]);
    expect(paletteGroups(TYPES, "import audio")[0][1].map((t) => t.type)).toEqual(["audioImport"]);
  });

  it("groups problems by node, document-wide ones under the empty key", () => {
    const grouped = problemsByNode([
      { nodeId: "a", field: "name", code: "INVALID_INPUT", message: "m" },
      { nodeId: null, field: null, code: "CYCLE_DETECTED", message: "c" },
    ]);
    expect(grouped.get("a")).toHaveLength(1);
    expect(grouped.get("")?.[0].code).toBe("CYCLE_DETECTED");
  });
});

describe("run status", () => {
  it("follows node events of its own execution only", () => {
    let state = applyEvent({}, { type: "node.started", executionId: "e1", nodeId: "a" }, "e1");
    expect(state.a.status).toBe("running");
    state = applyEvent(state, { type: "node.finished", executionId: "e1", nodeId: "a", ok: true, cached: true, durationMs: 2 }, "e1");
    expect(state.a).toMatchObject({ status: "cached", durationMs: 2 });
    expect(applyEvent(state, { type: "node.started", executionId: "other", nodeId: "a" }, "e1")).toBe(state);
  });

  it("takes ok, cached, failed and skipped from an execution result", () => {
    const result = {
      results: [
        { node: "a", type: "t", ok: true, cached: false, skipped: false },
        { node: "b", type: "t", ok: true, cached: true, skipped: false },
        { node: "c", type: "t", ok: false, cached: false, skipped: false, error: "boom", code: "X" },
        { node: "d", type: "t", ok: false, cached: false, skipped: true },
      ],
    } as ExecutionResult;
    const state = stateOfResult(result);
    expect(Object.values(state).map((s) => s.status)).toEqual(["ok", "cached", "failed", "skipped"]);
    expect(state.c.error).toBe("boom");
  });
});

describe("routes and cookies", () => {
  it("maps the contract's URLs to pages", () => {
    expect(parseRoute("/", "?workflow=four-node")).toEqual({ page: "editor", workflow: "four-node" });
    expect(parseRoute("/executions/exec_1", "")).toEqual({ page: "execution", id: "exec_1" });
    expect(parseRoute("/executions", "")).toEqual({ page: "executions" });
    expect(parseRoute("/drops", "")).toEqual({ page: "drops" });
  });

  it("reads the CSRF secret from the cookies", () => {
    expect(csrfToken("a=1; wwiseflowd_csrf=abc%3D; b=2")).toBe("abc=");
    expect(csrfToken("a=1")).toBeNull();
  });
});

describe("forms", () => {
  it("shows optional (X | null) fields as plain fields and leaves wired fields out", () => {
    const inputs = {
      type: "object", required: ["objectId"],
      properties: {
        objectId: { anyOf: [{ type: "string" }, { type: "null" }], default: null, title: "Objectid" },
        filePath: { anyOf: [{ type: "string" }, { type: "null" }], default: null, title: "Filepath" },
        mode: { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
      },
    };
    const schema = formSchema(inputs, ["objectId"]) as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(["filePath", "mode"]);
    expect(schema.properties.filePath).toEqual({ type: "string", title: "Filepath" });
    expect(schema.properties.mode).toEqual(inputs.properties.mode);
    expect(schema.required).toEqual([]);
  });
});

describe("big graphs", () => {
  it("finds the nodes on screen (with a margin) and hides the others until revealed", () => {
    const nodes = [0, 1000, 5000].map((x, i) => ({ id: `n${i}`, position: { x, y: 0 }, data: {} }));
    const inView = nodesInView(nodes, { x: 0, y: 0, zoom: 1 }, { width: 800, height: 600 }, 300);
    expect(inView).toEqual(["n0", "n1"]);
    expect(nodesInView(nodes, { x: -4800, y: 0, zoom: 1 }, { width: 800, height: 600 }, 0)).toEqual(["n2"]);
    const shown = withHidden(nodes, new Set(inView));
    expect(shown.map((n) => Boolean(n.hidden))).toEqual([false, false, true]);
    expect(withHidden(nodes, null)).toBe(nodes);
  });
});

describe("file pickers", () => {
  it("go on string fields typed as paths or named like one, not on Wwise object paths", () => {
    const ui = pathUi({
      filePath: { anyOf: [{ type: "string" }, { type: "null" }] },
      source: { type: "string", format: "path" },
      parentPath: { type: "string" },
      files: { type: "array" },
    });
    expect(Object.keys(ui)).toEqual(["filePath", "source"]);
  });
});

describe("execution history query", () => {
  it("asks the server for one filtered page, leaving empty filters out", () => {
    expect(executionsQuery({ status: "", source: "editor", workflow: " foot " }, 50)).toBe("limit=50&offset=50&source=editor&workflow=foot");
    expect(executionsQuery({ status: "failed", source: "", workflow: "" }, 0, 10)).toBe("limit=10&offset=0&status=failed");
  });
});

import { describe, expect, it } from "vitest";
import { errorSchema, fromRows, parseDefault, problemRows, rowsSchema, toRows } from "./inputs";

// what GET /schemas/workflow-input answers (InputSpec's JSON schema)
const INPUT_SCHEMA = {
  type: "object",
  properties: {
    type: { anyOf: [{ enum: ["string", "number", "integer", "boolean", "array", "object"], type: "string" }, { type: "null" }], default: null, title: "Type" },
    format: { anyOf: [{ type: "string" }, { type: "null" }], default: null, title: "Format" },
    required: { default: true, title: "Required", type: "boolean" },
    description: { anyOf: [{ type: "string" }, { type: "null" }], default: null, title: "Description" },
  },
};

describe("declared inputs form", () => {
  it("builds a row form from the server's input schema, with the name and a default", () => {
    const schema = rowsSchema(INPUT_SCHEMA) as { items: { properties: Record<string, Record<string, unknown>>; required: string[] } };
    expect(Object.keys(schema.items.properties)).toEqual(["name", "type", "format", "required", "description", "default"]);
    expect(schema.items.properties.type.enum).toEqual(["string", "number", "integer", "boolean", "array", "object"]);
    expect(schema.items.required).toEqual(["name"]);
  });

  it("turns declarations into rows and back unchanged", () => {
    const inputs = {
      file: { type: "string", format: "path", description: "the WAV" },
      count: { type: "integer", default: 3, required: false },
      tags: { type: "array", default: ["a", "b"] },
      label: { type: "string", default: "Footstep" },
    };
    const rows = toRows(inputs);
    expect(rows[1]).toEqual({ name: "count", type: "integer", required: false, default: "3" });
    expect(rows[3].default).toBe("Footstep");
    expect(fromRows(rows)).toEqual({ inputs, errors: [] });
    expect(fromRows([])).toEqual({ inputs: undefined, errors: [] });
  });

  it("says what is wrong with a row: missing, malformed or repeated name, a default of the wrong type", () => {
    const { inputs, errors } = fromRows([
      { name: "" }, { name: "a b" }, { name: "x", type: "integer", default: "2.5" }, { name: "x", type: "boolean", default: "yes" },
    ]);
    expect(inputs).toBeNull();
    expect(errors.map((e) => [e.index, e.field])).toEqual([[0, "name"], [1, "name"], [2, "default"], [3, "name"], [3, "default"]]);
    expect(errors[3].message).toContain("already called “x”");
    expect(errors[4].message).toContain("not a boolean");
    expect(errorSchema(errors)[3]).toEqual({ name: { __errors: [errors[3].message] }, default: { __errors: [errors[4].message] } });
  });

  it("reads defaults by type: text for strings, JSON otherwise, plain text when no type is declared", () => {
    expect(parseDefault("12", "string")).toEqual({ value: "12" });
    expect(parseDefault("12", "number")).toEqual({ value: 12 });
    expect(parseDefault("[1]", "object")).toHaveProperty("error");
    expect(parseDefault("hello", undefined)).toEqual({ value: "hello" });
    expect(parseDefault("{\"a\": 1}", "object")).toEqual({ value: { a: 1 } });
  });

  it("places the compiler's problems about an input on its row", () => {
    const rows = [{ name: "file" }, { name: "mode", type: "text" }];
    const problems = [
      { nodeId: null, field: "inputs.mode.type", code: "INVALID_INPUT", message: "use one of string, ..." },
      { nodeId: null, field: "nodes", code: "INVALID_INPUT", message: "unrelated" },
    ];
    expect(problemRows(problems, rows)).toEqual([{ index: 1, field: "type", message: "use one of string, ..." }]);
  });
});

// The workflow's declared inputs as form rows and back: what the "Workflow inputs" form edits.
// The row schema is built from the server's schema of one declared input (GET /schemas/workflow-input).
import { formProperty, type InputSpec, type Json, type Problem } from "./workflow";

export interface InputRow {
  name?: string;
  type?: string;
  format?: string;
  required?: boolean;
  description?: string;
  /** the default as typed: plain text for a string, JSON for everything else */
  default?: string;
}

export interface RowError {
  index: number;
  field: keyof InputRow;
  message: string;
}

type Schema = Record<string, unknown>;

/** rjsf schema of the rows: a list of inputs, each the server's input schema plus its name. */
export function rowsSchema(inputSchema: Schema): Schema {
  const properties = (inputSchema.properties ?? {}) as Record<string, Schema>;
  const fields = Object.fromEntries(Object.entries(properties).map(([field, p]) => [field, formProperty(p)]));
  return {
    type: "array",
    title: "Workflow inputs",
    items: {
      type: "object",
      required: ["name"],
      properties: {
        name: { type: "string", title: "Name", description: "used as $input:<name>" },
        ...fields,
        default: { type: "string", title: "Default", description: "text; for other types JSON (12, true, [\"a\"])" },
      },
    },
  };
}

/** One row per declared input, in document order. */
export function toRows(inputs: Record<string, InputSpec> | undefined): InputRow[] {
  return Object.entries(inputs ?? {}).map(([name, spec]) => {
    const row: InputRow = { name };
    if (spec.type) row.type = spec.type;
    if (spec.format) row.format = spec.format;
    if (spec.required === false) row.required = false;
    if (spec.description) row.description = spec.description;
    if (spec.default !== undefined) {
      row.default = spec.type === "string" && typeof spec.default === "string" ? spec.default : JSON.stringify(spec.default);
    }
    return row;
  });
}

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** The default a row's text stands for, or the sentence saying why it cannot be one of `type`. */
export function parseDefault(text: string, type: string | undefined): { value: Json } | { error: string } {
  if (type === "string") return { value: text };
  let value: Json;
  try {
    value = JSON.parse(text) as Json;
  } catch {
    if (!type) return { value: text };
    return { error: `“${text}” is not a ${type === "array" ? "JSON list" : type === "object" ? "JSON object" : type}.` };
  }
  const kind = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
  const fits = !type || (type === "integer" ? Number.isInteger(value) : type === kind);
  return fits ? { value } : { error: `The default must be ${type === "integer" ? "a whole number" : `of type ${type}`}, not ${kind}.` };
}

/** The declared inputs the rows describe, and every problem with them (then `inputs` is null). */
export function fromRows(rows: InputRow[]): { inputs: Record<string, InputSpec> | undefined | null; errors: RowError[] } {
  const errors: RowError[] = [];
  const inputs: Record<string, InputSpec> = {};
  const seen = new Set<string>();
  rows.forEach((row, index) => {
    const name = (row.name ?? "").trim();
    if (!name) errors.push({ index, field: "name", message: "Give the input a name." });
    else if (!NAME_RE.test(name)) errors.push({ index, field: "name", message: "Use letters, digits, _ . - (it is written $input:<name>)." });
    else if (seen.has(name)) errors.push({ index, field: "name", message: `Another input is already called “${name}”.` });
    seen.add(name);
    const spec: InputSpec = {};
    if (row.type) spec.type = row.type;
    if (row.format) spec.format = row.format;
    if (row.required === false) spec.required = false;
    if (row.description) spec.description = row.description;
    if (row.default !== undefined && row.default !== "") {
      const parsed = parseDefault(row.default, row.type);
      if ("error" in parsed) errors.push({ index, field: "default", message: parsed.error });
      else spec.default = parsed.value;
    }
    inputs[name] = spec;
  });
  if (errors.length) return { inputs: null, errors };
  return { inputs: rows.length ? inputs : undefined, errors };
}

/** Compile problems about declared inputs (field `inputs.<name>[.<part>]`) as row errors. */
export function problemRows(problems: Problem[], rows: InputRow[]): RowError[] {
  const found: RowError[] = [];
  for (const problem of problems) {
    const match = /^inputs\.([^.]+)(?:\.(\w+))?$/.exec(problem.field ?? "");
    if (!match) continue;
    const index = rows.findIndex((row) => row.name === match[1]);
    if (index < 0) continue;
    const field = (match[2] && ["type", "format", "required", "description", "default"].includes(match[2]) ? match[2] : "name") as keyof InputRow;
    found.push({ index, field, message: problem.message });
  }
  return found;
}

/** rjsf's error schema (`{0: {name: {__errors: [...]}}}`) for row errors. */
export function errorSchema(errors: RowError[]): Record<string, Record<string, { __errors: string[] }>> {
  const schema: Record<string, Record<string, { __errors: string[] }>> = {};
  for (const { index, field, message } of errors) {
    const row = (schema[index] ??= {});
    (row[field] ??= { __errors: [] }).__errors.push(message);
  }
  return schema;
}

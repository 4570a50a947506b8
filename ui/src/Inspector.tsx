// The selected node's form, generated from its input JSON schema by react-jsonschema-form.
// Fields holding references are wires: they are listed (with an unwire button) instead of edited.
import Form from "@rjsf/core";
import type { RJSFSchema } from "@rjsf/utils";
import validator from "@rjsf/validator-ajv8";
import { InputsForm } from "./InputsForm";
import { pathUi, widgets } from "./PathPicker";
import { INPUTS_NODE_ID, formPlaceholders, formSchema, refsIn, type DocNode, type Json, type NodeTypeInfo, type Problem, type WorkflowDoc } from "./workflow";

interface Props {
  node: DocNode;
  info: NodeTypeInfo | undefined;
  problems: Problem[];
  onChange: (data: Record<string, Json>) => void;
}

function wiredFields(data: Record<string, Json>): Record<string, Json> {
  return Object.fromEntries(Object.entries(data).filter(([, value]) => refsIn(value).length > 0));
}

function describeWire(value: Json): string {
  return refsIn(value)
    .map((ref) => (ref.source === INPUTS_NODE_ID ? `input ${ref.output}` : `${ref.source}.${ref.output}`))
    .join(", ");
}

export function Inspector({ node, info, problems, onChange }: Props) {
  const data = node.data ?? {};
  const wired = wiredFields(data);
  const schema = formSchema(info?.inputs ?? {}, Object.keys(wired)) as RJSFSchema;
  const literal = Object.fromEntries(Object.entries(data).filter(([field]) => !(field in wired)));
  return (
    <div className="inspector" data-inspector-node={node.id}>
      <h3>{node.id} <small>{info?.title ?? node.type}</small></h3>
      {info?.description && <p className="muted">{info.description}</p>}
      {problems.map((problem, index) => (
        <div key={index} className="error-badge" data-error-code={problem.code}>
          <b>{problem.code}</b> {problem.field ? `${problem.field}: ` : ""}{problem.message}
        </div>
      ))}
      {Object.keys(wired).length > 0 && (
        <ul className="wired">
          {Object.entries(wired).map(([field, value]) => (
            <li key={field} data-wired-field={field}>
              <b>{field}</b> ← {describeWire(value)}
              <button type="button" onClick={() => {
                const next = { ...data };
                delete next[field];
                onChange(next);
              }}>unwire</button>
            </li>
          ))}
        </ul>
      )}
      <Form
        key={node.id}
        schema={schema}
        formData={literal}
        validator={validator}
        noHtml5Validate
        showErrorList={false}
        widgets={widgets}
        uiSchema={{
          ...merge(formPlaceholders(info?.inputs ?? {}), pathUi(info?.inputs.properties ?? {})),
          "ui:submitButtonOptions": { norender: true },
        }}
        experimental_defaultFormStateBehavior={{ emptyObjectFields: "skipDefaults" }}
        onChange={(event) => onChange({ ...wired, ...clean(event.formData as Record<string, Json>) })}
      />
    </div>
  );
}

/** Per-field uiSchema entries of both, merged field by field. */
function merge(a: Record<string, object>, b: Record<string, object>): Record<string, object> {
  const out: Record<string, object> = { ...a };
  for (const [field, entry] of Object.entries(b)) out[field] = { ...(out[field] ?? {}), ...entry };
  return out;
}

/** Drop the keys a form leaves undefined, so the saved document has only what the user set. */
function clean(values: Record<string, Json> | undefined): Record<string, Json> {
  return Object.fromEntries(Object.entries(values ?? {}).filter(([, value]) => value !== undefined));
}

interface WorkflowFormProps {
  doc: WorkflowDoc;
  problems: Problem[];
  onChange: (doc: WorkflowDoc, kind: string) => void;
}

/** The workflow's own fields: its name and its declared inputs. */
export function WorkflowForm({ doc, problems, onChange }: WorkflowFormProps) {
  return (
    <div className="inspector">
      <h3>Workflow</h3>
      <label>Name <input className="workflow-name" value={doc.name ?? ""}
        onChange={(e) => onChange({ ...doc, name: e.target.value || undefined }, "name")} /></label>
      <InputsForm inputs={doc.inputs} problems={problems}
        onChange={(inputs) => onChange({ ...doc, inputs }, "inputs")} />
      <p className="muted">Select a node to edit its inputs; drag from an output to an input to wire them.</p>
    </div>
  );
}

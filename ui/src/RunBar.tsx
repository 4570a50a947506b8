// Run the workflow being edited: declared inputs, force, rollback, run and cancel, the run's outcome.
import Form from "@rjsf/core";
import type { RJSFSchema } from "@rjsf/utils";
import validator from "@rjsf/validator-ajv8";
import { pathUi, widgets } from "./PathPicker";
import { useMemo, useState } from "react";
import type { RunControl } from "./hooks";
import { formatMs } from "./status";
import type { Problem, WorkflowDoc } from "./workflow";

function inputsSchema(doc: WorkflowDoc): RJSFSchema {
  const properties: Record<string, RJSFSchema> = {};
  const required: string[] = [];
  for (const [name, spec] of Object.entries(doc.inputs ?? {})) {
    properties[name] = {
      type: (spec.type as RJSFSchema["type"]) ?? "string", description: spec.description, default: spec.default as never,
      ...(spec.format ? { format: spec.format } : {}),
    };
    if (spec.required ?? spec.default === undefined) required.push(name);
  }
  return { type: "object", properties, required };
}

export function RunBar({ doc, control, problems }: { doc: WorkflowDoc; control: RunControl; problems: Problem[] }) {
  const [inputs, setInputs] = useState<Record<string, unknown>>({});
  const [force, setForce] = useState(false);
  const [rollback, setRollback] = useState<"default" | "yes" | "no">("default");
  const running = control.executionId !== null && control.result === null && control.error === null;
  const declared = Object.keys(doc.inputs ?? {}).length > 0;
  const schema = useMemo(() => inputsSchema(doc), [doc]);
  // the run form's own messages say what is missing; the run waits until there is nothing to say
  const inputErrors = useMemo(() => (declared ? validator.validateFormData(inputs, schema).errors.length : 0), [declared, inputs, schema]);
  return (
    <div className="runbar">
      <h3>Run</h3>
      {declared && (
        <Form schema={schema} formData={inputs} validator={validator} noHtml5Validate showErrorList={false} liveValidate
          idPrefix="run" widgets={widgets} uiSchema={{ ...pathUi(schema.properties as Record<string, Record<string, unknown>>),
            "ui:submitButtonOptions": { norender: true } }} onChange={(e) => setInputs(e.formData ?? {})} />
      )}
      <label><input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} /> force (ignore the memo)</label>
      <label>rollback on failure
        <select value={rollback} onChange={(e) => setRollback(e.target.value as typeof rollback)}>
          <option value="default">daemon default</option><option value="yes">yes</option><option value="no">no</option>
        </select>
      </label>
      <div className="buttons">
        <button type="button" className="run" disabled={running || doc.nodes.length === 0 || problems.length > 0 || inputErrors > 0}
          onClick={() => void control.start(doc, { inputs, force, rollback: rollback === "default" ? null : rollback === "yes" })}>Run</button>
        <button type="button" className="cancel" disabled={!running} onClick={() => void control.cancel()}>Cancel</button>
      </div>
      {problems.length > 0 && <p className="muted" data-problem-count={problems.length}>{problems.length} problem(s) to fix before running.</p>}
      {control.error && <p className="message error">{control.error}</p>}
      {control.executionId && (
        <p className="run-summary" data-run-status={control.result?.status ?? "running"}>
          <a href={`/executions/${control.executionId}`}>{control.executionId}</a>{" "}
          {control.result ? `${control.result.status} in ${formatMs(control.result.durationMs)}` : "running…"}
          {control.result?.error && <span className="run-error"> {control.result.error}</span>}
        </p>
      )}
    </div>
  );
}

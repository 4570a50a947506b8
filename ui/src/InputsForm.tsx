// The workflow's declared inputs, edited in a form built from the server's schema of one input
// (GET /schemas/workflow-input, the model the compiler checks against), with a message on each field
// that is wrong. The document only takes rows that are all valid.
import Form from "@rjsf/core";
import type { ErrorSchema, RJSFSchema } from "@rjsf/utils";
import validator from "@rjsf/validator-ajv8";
import { useEffect, useMemo, useRef, useState } from "react";
import { api } from "./api";
import { errorSchema, fromRows, problemRows, rowsSchema, toRows, type InputRow } from "./inputs";
import type { InputSpec, Problem } from "./workflow";

let schemaRequest: Promise<Record<string, unknown>> | null = null;

interface Props {
  inputs: Record<string, InputSpec> | undefined;
  problems: Problem[];
  onChange: (inputs: Record<string, InputSpec> | undefined) => void;
}

export function InputsForm({ inputs, problems, onChange }: Props) {
  const [schema, setSchema] = useState<RJSFSchema | null>(null);
  const [rows, setRows] = useState<InputRow[]>(() => toRows(inputs));
  const written = useRef(JSON.stringify(inputs ?? {}));
  useEffect(() => {
    (schemaRequest ??= api.inputSchema()).then((found) => setSchema(rowsSchema(found) as RJSFSchema)).catch(() => undefined);
  }, []);
  // the document changed elsewhere (opened, undone): show its inputs
  useEffect(() => {
    const now = JSON.stringify(inputs ?? {});
    if (now !== written.current) {
      written.current = now;
      setRows(toRows(inputs));
    }
  }, [inputs]);
  const { errors } = useMemo(() => fromRows(rows), [rows]);
  const extraErrors = useMemo(
    () => errorSchema([...errors, ...problemRows(problems, rows)]) as unknown as ErrorSchema,
    [errors, problems, rows],
  );
  if (!schema) return <p className="muted">Loading the inputs form…</p>;
  return (
    <div className="inputs-form" data-input-errors={errors.length}>
      <Form schema={schema} formData={rows} validator={validator} noHtml5Validate showErrorList={false} idPrefix="decl"
        extraErrors={extraErrors} uiSchema={{ "ui:submitButtonOptions": { norender: true }, items: { description: { "ui:widget": "textarea" } } }}
        onChange={(event) => {
          const next = (event.formData ?? []) as InputRow[];
          setRows(next);
          const parsed = fromRows(next);
          if (parsed.inputs !== null) {
            written.current = JSON.stringify(parsed.inputs ?? {});
            onChange(parsed.inputs);
          }
        }} />
    </div>
  );
}

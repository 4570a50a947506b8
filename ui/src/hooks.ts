// Editor hooks: debounced live validation and a run followed over GET /events.
import { useCallback, useEffect, useRef, useState } from "react";
import { api, followEvents } from "./api";
import { applyEvent, stateOfResult, type EngineEvent, type ExecutionResult, type RunState } from "./status";
import type { Problem, WorkflowDoc } from "./workflow";

export const VALIDATE_DEBOUNCE_MS = 150;

declare global {
  interface Window {
    /** round-trip times of the editor's validation requests (read by the benchmark) */
    __wfValidateMs?: number[];
  }
}

/** Problems of `doc` from POST /workflows/validate, re-asked a moment after each edit. */
export function useValidation(doc: WorkflowDoc | null): { problems: Problem[]; pending: boolean } {
  const [problems, setProblems] = useState<Problem[]>([]);
  const [pending, setPending] = useState(false);
  useEffect(() => {
    if (!doc) return;
    const controller = new AbortController();
    setPending(true);
    const timer = window.setTimeout(async () => {
      const started = performance.now();
      try {
        const found = await api.validate(doc, controller.signal);
        (window.__wfValidateMs ??= []).push(performance.now() - started);
        setProblems(found);
        setPending(false);
      } catch (error) {
        if ((error as Error).name !== "AbortError") {
          setProblems([{ nodeId: null, field: null, code: "UNREACHABLE", message: `Validation failed: ${error}` }]);
          setPending(false);
        }
      }
    }, VALIDATE_DEBOUNCE_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [doc]);
  return { problems, pending };
}

export interface RunOptions {
  inputs: Record<string, unknown>;
  force: boolean;
  rollback: boolean | null;
}

export interface RunControl {
  run: RunState;
  executionId: string | null;
  result: ExecutionResult | null;
  error: string | null;
  start: (doc: WorkflowDoc, options: RunOptions) => Promise<void>;
  cancel: () => Promise<void>;
  reset: () => void;
}

function newExecutionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `exec_${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Starts runs (async), colours nodes from their events, then from the authoritative result. */
export function useRun(): RunControl {
  const [run, setRun] = useState<RunState>({});
  const [executionId, setExecutionId] = useState<string | null>(null);
  const [result, setResult] = useState<ExecutionResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const closeRef = useRef<(() => void) | null>(null);

  const finish = useCallback(async (id: string) => {
    closeRef.current?.();
    closeRef.current = null;
    const final = await api.execution(id);
    setResult(final);
    setRun(stateOfResult(final));
  }, []);

  const start = useCallback(async (doc: WorkflowDoc, options: RunOptions) => {
    closeRef.current?.();
    const id = newExecutionId();
    setExecutionId(id);
    setResult(null);
    setError(null);
    setRun({});
    const onEvent = (event: Record<string, unknown>) => {
      const typed = event as EngineEvent;
      if (typed.type === "run.finished") void finish(id);
      else setRun((state) => applyEvent(state, typed, id));
    };
    closeRef.current = followEvents(`executionId=${id}`, onEvent, ["node.started", "node.finished", "run.finished"]);
    try {
      await api.execute({ workflow: doc, inputs: options.inputs, force: options.force, rollback: options.rollback, executionId: id });
      // a run that ended before the stream was open still shows its result
      window.setTimeout(async () => {
        const now = await api.execution(id).catch(() => null);
        if (now && now.status !== "running") void finish(id);
      }, 500);
    } catch (failure) {
      closeRef.current?.();
      setError((failure as Error).message);
    }
  }, [finish]);

  const cancel = useCallback(async () => {
    if (executionId) await api.cancel(executionId).catch((failure) => setError((failure as Error).message));
  }, [executionId]);

  const reset = useCallback(() => {
    closeRef.current?.();
    setRun({});
    setResult(null);
    setExecutionId(null);
  }, []);

  useEffect(() => () => closeRef.current?.(), []);
  return { run, executionId, result, error, start, cancel, reset };
}

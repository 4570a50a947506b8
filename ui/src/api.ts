// The REST client: same origin, the session cookie when there is one, the CSRF header on writes.
import type { ExecutionResult } from "./status";
import type { NodeTypeInfo, Problem, WorkflowDoc } from "./workflow";

export interface ResultBody<T = unknown> {
  ok: boolean;
  data: T;
  error: string | null;
  code: string | null;
}

export class ApiFailure extends Error {
  constructor(public status: number, public body: ResultBody) {
    super(body.error || `HTTP ${status}`);
  }
}

export const CSRF_COOKIE = "wwiseflowd_csrf";
export const CSRF_HEADER = "X-CSRF-Token";

export function csrfToken(cookies: string): string | null {
  for (const part of cookies.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === CSRF_COOKIE) return decodeURIComponent(value.join("="));
  }
  return null;
}

export async function request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const all: Record<string, string> = { Accept: "application/json", "X-Wwiseflowd-Source": "editor", ...headers };
  if (body !== undefined) all["Content-Type"] = "application/json";
  const csrf = csrfToken(document.cookie);
  if (csrf && method !== "GET") all[CSRF_HEADER] = csrf;
  const response = await fetch(path, {
    method, headers: all, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new ApiFailure(response.status, parsed ?? { ok: false, data: null, error: `HTTP ${response.status}`, code: null });
  }
  return parsed as T;
}

export interface WorkflowFile {
  id: string;
  file: string;
  ok: boolean;
  errors: Problem[];
  updatedAt: string | null;
}

export interface WorkflowFileDetail extends WorkflowFile {
  document: WorkflowDoc | null;
  version?: string | null;
}

export interface ExecutionPage {
  items: ExecutionResult[];
  nextOffset: number | null;
}

export interface ExecutionFilters {
  status: string;
  source: string;
  workflow: string;
}

export const PAGE_SIZE = 50;

/** The GET /executions query for one page of the filtered history (empty filters are left out). */
export function executionsQuery(filters: ExecutionFilters, offset: number, limit = PAGE_SIZE): string {
  const query = new URLSearchParams({ limit: String(limit), offset: String(offset) });
  for (const [name, value] of Object.entries(filters)) if (value.trim()) query.set(name, value.trim());
  return query.toString();
}

export interface FolderListing {
  path: string | null;
  parent: string | null;
  entries: { name: string; path: string; dir: boolean }[];
  truncated: boolean;
}

export const api = {
  files: (path: string | null) =>
    request<FolderListing>("GET", path ? `/files?path=${encodeURIComponent(path)}` : "/files"),
  nodes: () => request<NodeTypeInfo[]>("GET", "/nodes"),
  inputSchema: () => request<Record<string, unknown>>("GET", "/schemas/workflow-input"),
  validate: (doc: WorkflowDoc, signal?: AbortSignal) => validate(doc, signal),
  workflows: () => request<WorkflowFile[]>("GET", "/workflows"),
  workflow: (id: string) => request<WorkflowFileDetail>("GET", `/workflows/${encodeURIComponent(id)}`),
  save: (id: string, document: WorkflowDoc, version: string | null) =>
    request<WorkflowFileDetail>("PUT", `/workflows/${encodeURIComponent(id)}`, { document, version }),
  rename: (id: string, newId: string) =>
    request<WorkflowFileDetail>("POST", `/workflows/${encodeURIComponent(id)}/rename`, { newId }),
  duplicate: (id: string, newId: string) =>
    request<WorkflowFileDetail>("POST", `/workflows/${encodeURIComponent(id)}/duplicate`, { newId }),
  remove: (id: string) => request<ResultBody>("DELETE", `/workflows/${encodeURIComponent(id)}`),
  execute: (body: Record<string, unknown>) =>
    request<{ executionId: string }>("POST", "/workflows/execute?async=true", body),
  execution: (id: string) => request<ExecutionResult>("GET", `/executions/${encodeURIComponent(id)}`),
  executionDocument: (id: string) =>
    request<{ documentKey: string; document: WorkflowDoc }>("GET", `/executions/${encodeURIComponent(id)}/document`),
  executions: (query: string) => request<ExecutionPage>("GET", `/executions?${query}`),
  cancel: (id: string) => request<ResultBody>("POST", `/executions/${encodeURIComponent(id)}/cancel`),
  drops: () => request<Record<string, unknown>>("GET", "/drops"),
  session: () => request<{ authenticated: boolean; tokenRequired: boolean }>("GET", "/auth/session"),
  login: (token: string) => request<ResultBody>("POST", "/auth/login", { token }),
};

/** POST /workflows/validate: the problems (empty when the workflow compiles). */
async function validate(doc: WorkflowDoc, signal?: AbortSignal): Promise<Problem[]> {
  const headers: Record<string, string> = { "Content-Type": "application/json", Accept: "application/json" };
  const csrf = csrfToken(document.cookie);
  if (csrf) headers[CSRF_HEADER] = csrf;
  const response = await fetch("/workflows/validate", {
    method: "POST", headers, body: JSON.stringify(doc), signal, credentials: "same-origin",
  });
  if (response.ok) return [];
  const body = (await response.json()) as ResultBody<{ errors?: Problem[] } | null>;
  const errors = body.data?.errors;
  if (errors && errors.length > 0) return errors;
  return [{ nodeId: null, field: null, code: body.code ?? "INVALID_INPUT", message: body.error ?? `HTTP ${response.status}` }];
}

/** Follow GET /events; returns a function that closes the stream. */
export function followEvents(query: string, onEvent: (event: Record<string, unknown>) => void, types: string[]): () => void {
  const source = new EventSource(`/events?${query}`, { withCredentials: true });
  for (const type of types) {
    source.addEventListener(type, (message) => onEvent(JSON.parse((message as MessageEvent).data)));
  }
  return () => source.close();
}

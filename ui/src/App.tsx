// The editor's shell: session login (one-time token from `wwiseflowd run`), navigation and pages.
import { useEffect, useState } from "react";
import { api } from "./api";
import { DropsPage } from "./Drops";
import { Editor } from "./Editor";
import { ExecutionList, ExecutionView } from "./Executions";
import { useRoute } from "./router";
import type { NodeTypeInfo } from "./workflow";

type Auth = "checking" | "ok" | "needed";

async function establishSession(): Promise<Auth> {
  const params = new URLSearchParams(location.search);
  const token = params.get("token");
  if (token) {
    params.delete("token");
    const rest = params.toString();
    history.replaceState(null, "", `${location.pathname}${rest ? `?${rest}` : ""}`);
    await api.login(token).catch(() => undefined);
  }
  const session = await api.session();
  return session.authenticated || !session.tokenRequired ? "ok" : "needed";
}

function Login({ onDone }: { onDone: () => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  return (
    <form className="page login" onSubmit={async (event) => {
      event.preventDefault();
      try {
        await api.login(token);
        onDone();
      } catch (failure) {
        setError((failure as Error).message);
      }
    }}>
      <h2>Sign in</h2>
      <p>Open the link <code>wwiseflowd run</code> printed, or paste the <code>[server] token</code> from wwiseflowd.toml.</p>
      <input type="password" value={token} onChange={(e) => setToken(e.target.value)} placeholder="token" />
      <button type="submit">Sign in</button>
      {error && <p className="message error">{error}</p>}
    </form>
  );
}

export function App() {
  const route = useRoute();
  const [auth, setAuth] = useState<Auth>("checking");
  const [types, setTypes] = useState<NodeTypeInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    establishSession().then(setAuth).catch((e) => setError(String(e.message)));
  }, []);
  useEffect(() => {
    if (auth === "ok") api.nodes().then(setTypes).catch((e) => setError(String(e.message)));
  }, [auth]);
  const link = (href: string, label: string, active: boolean) => <a href={href} className={active ? "active" : ""}>{label}</a>;
  return (
    <div className="app">
      <nav className="topnav">
        <b>wwiseflowd</b>
        {link("/", "Editor", route.page === "editor")}
        {link("/executions", "Executions", route.page === "executions" || route.page === "execution")}
        {link("/drops", "Drop folders", route.page === "drops")}
      </nav>
      {error && <p className="message error">{error}</p>}
      {auth === "needed" && <Login onDone={() => setAuth("ok")} />}
      {auth === "ok" && types && route.page === "editor" && <Editor types={types} initialId={route.workflow} />}
      {auth === "ok" && route.page === "executions" && <ExecutionList />}
      {auth === "ok" && types && route.page === "execution" && <ExecutionView id={route.id} types={types} />}
      {auth === "ok" && route.page === "drops" && <DropsPage />}
    </div>
  );
}

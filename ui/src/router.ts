// Client routes: / (editor, ?workflow=<id>), /executions, /executions/<id>, /drops.
import { useEffect, useState } from "react";

export type Route =
  | { page: "editor"; workflow: string | null }
  | { page: "executions" }
  | { page: "execution"; id: string }
  | { page: "drops" };

export function parseRoute(pathname: string, search: string): Route {
  const execution = /^\/executions\/([^/]+)\/?$/.exec(pathname);
  if (execution) return { page: "execution", id: decodeURIComponent(execution[1]) };
  if (/^\/executions\/?$/.test(pathname)) return { page: "executions" };
  if (/^\/drops\/?$/.test(pathname)) return { page: "drops" };
  return { page: "editor", workflow: new URLSearchParams(search).get("workflow") };
}

const CHANGE = "wf:navigate";

export function navigate(url: string, replace = false): void {
  if (url === location.pathname + location.search) return;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  window.dispatchEvent(new Event(CHANGE));
}

export function useRoute(): Route {
  const read = () => parseRoute(location.pathname, location.search);
  const [route, setRoute] = useState<Route>(read);
  useEffect(() => {
    const update = () => setRoute(read());
    window.addEventListener("popstate", update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return route;
}

// What every rendered node needs besides its own data: node types, compile problems, run state.
import { createContext, useContext } from "react";
import type { RunState } from "./status";
import type { NodeTypeInfo, Problem } from "./workflow";

export interface GraphContextValue {
  types: Map<string, NodeTypeInfo>;
  problems: Map<string, Problem[]>;
  run: RunState;
}

export const GraphContext = createContext<GraphContextValue>({ types: new Map(), problems: new Map(), run: {} });

export function useGraph(): GraphContextValue {
  return useContext(GraphContext);
}

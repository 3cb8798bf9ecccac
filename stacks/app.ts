import { App } from "cdktf";
import { StreamLinesConfig } from "../config/schema";
import { FoundationsStack } from "./foundations";
import { CoreStack } from "./core";

export interface StreamLinesStacks {
  readonly foundations: FoundationsStack;
  readonly core: CoreStack;
}

/** Adds the environment's stacks to `app`, in phase order. */
export function buildStacks(app: App, config: StreamLinesConfig): StreamLinesStacks {
  const foundations = new FoundationsStack(app, { config });
  const core = new CoreStack(app, { config, foundations });
  return { foundations, core };
}

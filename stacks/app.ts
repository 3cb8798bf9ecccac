import { App } from "cdktf";
import { StreamLinesConfig } from "../config/schema";
import { FoundationsStack } from "./foundations";
import { CoreStack } from "./core";
import { InfluxStack } from "./influx";

export interface StreamLinesStacks {
  readonly foundations: FoundationsStack;
  readonly core: CoreStack;
  readonly influx: InfluxStack;
}

/** Adds the environment's stacks to `app`, in phase order. */
export function buildStacks(app: App, config: StreamLinesConfig): StreamLinesStacks {
  const foundations = new FoundationsStack(app, { config });
  const core = new CoreStack(app, { config, foundations });
  const influx = new InfluxStack(app, { config, foundations, core });
  return { foundations, core, influx };
}

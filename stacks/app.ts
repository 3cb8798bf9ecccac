import { App } from "cdktf";
import { StreamLinesConfig } from "../config/schema";
import { FoundationsStack } from "./foundations";
import { CoreStack } from "./core";
import { InfluxStack } from "./influx";
import { EdgeStack } from "./edge";

export interface StreamLinesStacks {
  readonly foundations: FoundationsStack;
  readonly core: CoreStack;
  readonly influx: InfluxStack;
  /** Only when config enables edge. */
  readonly edge?: EdgeStack;
}

/** Adds the environment's stacks to `app`, in phase order. */
export function buildStacks(app: App, config: StreamLinesConfig): StreamLinesStacks {
  const foundations = new FoundationsStack(app, { config });
  const core = new CoreStack(app, { config, foundations });
  const influx = new InfluxStack(app, { config, foundations, core });
  const edge = config.edge.enabled ? new EdgeStack(app, { config, foundations, core }) : undefined;
  return { foundations, core, influx, edge };
}

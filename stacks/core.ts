import { Construct } from "constructs";
import { StreamLinesConfig } from "../config/schema";
import { StreamLinesStack } from "./base";
import { FoundationsStack } from "./foundations";

export interface CoreStackProps {
  readonly config: StreamLinesConfig;
  readonly foundations: FoundationsStack;
}

/** The app: network, cluster, service discovery, streams (services come later). */
export class CoreStack extends StreamLinesStack {
  constructor(scope: Construct, props: CoreStackProps) {
    super(scope, "core", props);
    this.addDependency(props.foundations);
  }
}

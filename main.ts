import { App } from "cdktf";
import { IConstruct } from "constructs";
import { loadConfigOrExit } from "./config/load";
import { buildStacks } from "./stacks/app";

/** cdktf's CLI prints annotations; plain `node dist/main.js` must not swallow them. */
function printWarnings(root: IConstruct): void {
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type === "@cdktf/warn") process.stderr.write(`warning: ${construct.node.path}: ${entry.data}\n`);
    }
  }
}

// Config first: `new App()` creates the output dir, and a bad config must leave nothing behind.
const config = loadConfigOrExit();
const app = new App();
buildStacks(app, config);
app.synth();
printWarnings(app);

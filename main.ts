import * as fs from "fs";
import { App } from "cdktf";
import { IConstruct } from "constructs";
import { loadConfigOrExit } from "./config/load";
import { buildStacks } from "./stacks/app";
import { KeptRecord, adoptKept, writeKeptManifest } from "./stacks/kept";

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
// `npm run deploy` hands over what the last destroy kept, so import blocks adopt it again.
const adopt = process.env.STREAMLINES_ADOPT;
if (adopt) {
  const record = JSON.parse(fs.readFileSync(adopt, "utf8")) as KeptRecord;
  const unmatched = adoptKept(app, record);
  if (unmatched.length > 0) {
    const list = unmatched.map((e) => `${e.stack} ${e.address} (${e.importId})`).join(", ");
    process.stderr.write(
      `synth error: kept resources recorded by the last destroy match nothing in this config: ${list}; restore the config that made them, or delete them for real (help/teardown.md, "Adopting fails")\n`,
    );
    process.exit(1);
  }
}
app.synth();
writeKeptManifest(app);
printWarnings(app);

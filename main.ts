import { App } from "cdktf";
import { ConfigError, loadConfig, resolveConfigPath } from "./config/load";
import { buildStacks } from "./stacks/app";

function main(): void {
  let config;
  try {
    config = loadConfig(resolveConfigPath());
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`config error: ${err.message}\n`);
    process.exit(1);
  }
  const app = new App();
  buildStacks(app, config);
  app.synth();
}

main();

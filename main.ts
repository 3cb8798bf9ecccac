import { App } from "cdktf";
import { loadConfigOrExit } from "./config/load";
import { buildStacks } from "./stacks/app";

// Config first: `new App()` creates the output dir, and a bad config must leave nothing behind.
const config = loadConfigOrExit();
const app = new App();
buildStacks(app, config);
app.synth();

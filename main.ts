import { App } from "cdktf";
import { loadConfigOrExit } from "./config/load";
import { buildStacks } from "./stacks/app";

const app = new App();
buildStacks(app, loadConfigOrExit());
app.synth();

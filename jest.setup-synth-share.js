// globalSetup: one empty directory per jest run, where __tests__/helpers/synth.ts keeps each config's synth
// output for the other test files (workers inherit the variable). globalTeardown removes it.
const fs = require("fs");
const os = require("os");
const path = require("path");

const SYNTH_SHARE_ENV = "STREAMLINES_TEST_SYNTH_SHARE";

module.exports = async function setup() {
  process.env[SYNTH_SHARE_ENV] = fs.mkdtempSync(path.join(os.tmpdir(), "streamlines-test-synth-"));
};
module.exports.SYNTH_SHARE_ENV = SYNTH_SHARE_ENV;

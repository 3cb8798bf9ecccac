const fs = require("fs");
const { SYNTH_SHARE_ENV } = require("./jest.setup-synth-share.js");

module.exports = async function teardown() {
  const dir = process.env[SYNTH_SHARE_ENV];
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
};

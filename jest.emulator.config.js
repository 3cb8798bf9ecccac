/** The tests that start moto (python3 -m moto.server): `npm run test:emulator`, run by CI after `npm test`. */
const base = require("./jest.config.js");

/** @type {import('jest').Config} */
module.exports = { ...base, testMatch: ["**/*.emulator.test.ts"], testPathIgnorePatterns: ["/node_modules/"] };

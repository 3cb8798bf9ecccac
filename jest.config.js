/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // *.emulator.test.ts need python3 with moto: npm run test:emulator (jest.emulator.config.js), not npm test.
  testPathIgnorePatterns: ["/node_modules/", "\\.emulator\\.test\\.ts$"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }] },
  snapshotResolver: undefined,
  testTimeout: 120000,
  // Each config is synthesized once per run and shared by the test files (__tests__/helpers/synth.ts).
  globalSetup: "<rootDir>/jest.setup-synth-share.js",
  globalTeardown: "<rootDir>/jest.teardown-synth-share.js",
  maxWorkers: 2,
};

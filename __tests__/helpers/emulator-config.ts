import * as fs from "fs";
import * as path from "path";
import { parseConfig } from "../../config/load";
import { StreamLinesConfig } from "../../config/schema";
import { freePort } from "../../scripts/lib/emulator";

/** config/acceptance.json pointed at the emulator `endpoint`, with `overrides` replacing whole top-level keys. */
export function acceptanceConfig(endpoint: string, overrides: Record<string, unknown> = {}): StreamLinesConfig {
  const file = path.join(__dirname, "..", "..", "config", "acceptance.json");
  return parseConfig(JSON.stringify({ ...JSON.parse(fs.readFileSync(file, "utf8")), emulator: { endpoint }, ...overrides }), file);
}

/** An endpoint nothing answers on: for tests of what happens without an emulator. */
export const unreachableEndpoint = async (): Promise<string> => `http://127.0.0.1:${await freePort()}`;

import { StreamLinesConfig } from "../../config/schema";
import { main } from "../../scripts/residuals";

/** Runs the residuals CLI in-process and captures what it prints. */
export async function runResiduals(cfg: StreamLinesConfig): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(cfg, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

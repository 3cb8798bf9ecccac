/**
 * Checks every stack for drift: what AWS holds against what the state says, without the config's
 * own changes:
 *   npm run drift [-- [--no-synth] [--format terminal|markdown|json] [stack ...]]
 * Per stack in phase order: terraform init, plan -refresh-only -out=plans/<stack>.drift.tfplan,
 * show -json > plans/<stack>.drift.json; then the same review as `npm run plan`, written as
 * plans/drift.md too. Exit 0 no drift, 2 drift, 1 error. Runbook: help/plan-review.md#drift.
 */
import { EXIT_ERROR } from "./lib/plan-review";
import { main as planMain } from "./plan";
import { repoRoot } from "./lib/terraform";

export function main(argv: readonly string[] = process.argv.slice(2), root = repoRoot()): Promise<number> {
  return planMain(argv, root, "drift");
}

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (e) => {
      process.stderr.write(`drift: ${(e as Error).stack ?? e}\n`);
      process.exitCode = EXIT_ERROR;
    },
  );
}

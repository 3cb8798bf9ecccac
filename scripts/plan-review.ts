/**
 * Prints the review of saved plans and exits 0 (no changes), 2 (changes) or 1 (error), like
 * `terraform plan -detailed-exitcode`. Called by `npm run plan` after it saves each stack's plan:
 *   node dist/scripts/plan-review.js [--synth-dir cdktf.out/stacks] foundations=plans/foundations.json core=plans/core.json
 */
import { runPlanReview } from "./lib/plan-review";

export function main(argv: readonly string[] = process.argv.slice(2)): number {
  return runPlanReview(argv, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}

if (require.main === module) process.exitCode = main();

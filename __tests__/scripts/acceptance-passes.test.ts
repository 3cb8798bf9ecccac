import {
  EMULATOR_PARALLELISM,
  PASS_STACKS,
  emulatorTerraformEnv,
  inPass,
  longestFirst,
  passConcurrency,
  passName,
  passStacks,
  spawnAsync,
} from "../../scripts/lib/acceptance-passes";
import { configNamed, synthAll } from "../helpers/synth";

describe("passStacks", () => {
  const order = ["foundations", "core", "influx", "edge"];
  const deps: Record<string, string[]> = { foundations: [], core: ["foundations"], influx: ["foundations", "core"], edge: ["foundations"] };

  test("a pass not listed deploys every stack", () => {
    expect(passStacks("acceptance", order, (s) => deps[s])).toEqual({ deploy: order, left: [] });
  });

  test("acceptance-edge deploys foundations and edge, in phase order", () => {
    expect(passStacks("acceptance-edge", order, (s) => deps[s])).toEqual({ deploy: ["foundations", "edge"], left: ["core", "influx"] });
  });

  test("a kept stack that needs a left-out one is one clear error", () => {
    const withCore: Record<string, string[]> = { ...deps, edge: ["foundations", "core"] };
    expect(() => passStacks("acceptance-edge", order, (s) => withCore[s])).toThrow(
      /^acceptance pass acceptance-edge: edge depends on core, which PASS_STACKS leaves out; deploy it too or drop edge$/,
    );
  });

  test("a listed stack the app no longer has is one clear error", () => {
    expect(() => passStacks("acceptance-edge", ["foundations", "core"], (s) => deps[s])).toThrow(
      /^acceptance pass acceptance-edge: stack\(s\) edge of PASS_STACKS are not synthesized; have foundations, core$/,
    );
  });

  test.each(Object.keys(PASS_STACKS))("%s: the synthesized app lets the listed stacks deploy alone", (pass) => {
    const { manifest } = synthAll(configNamed(pass));
    const order = Object.keys(manifest.stacks);
    const { deploy } = passStacks(pass, order, (s) => manifest.stacks[s].dependencies ?? []);
    expect(deploy.length).toBeGreaterThan(0);
  });
});

test("passConcurrency: 3 by default, a whole number from 1 to 8, else one line naming the variable", () => {
  expect(passConcurrency(undefined)).toBe(3);
  expect(passConcurrency("")).toBe(3);
  expect(passConcurrency("2")).toBe(2);
  for (const bad of ["0", "9", "1.5", "two"]) {
    expect(() => passConcurrency(bad)).toThrow(
      `STREAMLINES_ACCEPTANCE_CONCURRENCY: "${bad}" is not allowed; expected a whole number from 1 to 8`,
    );
  }
});

test("emulatorTerraformEnv raises parallelism for apply, plan and destroy, after what the caller set", () => {
  const env = emulatorTerraformEnv({ PATH: "/bin", TF_CLI_ARGS_plan: "-lock-timeout=5s" });
  expect(env).toEqual({
    PATH: "/bin",
    TF_CLI_ARGS_apply: `-parallelism=${EMULATOR_PARALLELISM}`,
    TF_CLI_ARGS_plan: `-lock-timeout=5s -parallelism=${EMULATOR_PARALLELISM}`,
    TF_CLI_ARGS_destroy: `-parallelism=${EMULATOR_PARALLELISM}`,
  });
});

test("longestFirst: by measured seconds, a pass without a figure first, ties in their given order", () => {
  const names = (list: Array<{ name: string }>) => list.map((p) => p.name);
  expect(
    names(
      longestFirst([
        { name: "acceptance-edge" },
        { name: "acceptance" },
        { name: "new-pass" },
        { name: "e2e" },
        { name: "acceptance-backend-only" },
      ]),
    ),
  ).toEqual(["new-pass", "e2e", "acceptance", "acceptance-edge", "acceptance-backend-only"]);
  expect(names(longestFirst([{ name: "new-b" }, { name: "e2e" }, { name: "new-a" }]))).toEqual(["new-b", "new-a", "e2e"]);
});

test("passName names the pass its caller runs in, also while passes interleave", async () => {
  const seen: string[] = [];
  const tick = () => new Promise((r) => setTimeout(r, 5));
  const body = async () => {
    for (let i = 0; i < 3; i++) {
      seen.push(passName());
      await tick();
    }
    return passName();
  };
  const results = await Promise.all([inPass("a", body), inPass("b", body)]);
  expect(results).toEqual(["a", "b"]);
  expect(seen.sort()).toEqual(["a", "a", "a", "b", "b", "b"]);
  expect(passName()).toBe("");
});

test("spawnAsync gives spawnSync's fields: exit status, signal, both streams apart, and the spawn error", async () => {
  const r = await spawnAsync(process.execPath, ["-e", 'process.stdout.write("out"); process.stderr.write("err"); process.exit(3)'], {
    cwd: __dirname,
    env: process.env,
  });
  expect(r).toEqual({ status: 3, signal: null, stdout: "out", stderr: "err" });
  const missing = await spawnAsync("/no/such/program", [], { cwd: __dirname, env: process.env });
  expect(missing.status).toBeNull();
  expect((missing.error as NodeJS.ErrnoException).code).toBe("ENOENT");
});

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BUILD_SCRIPT, shellQuote } from "../../modules/image-build";
import { detachHooks, hooksOf, resolveEnvironment, runHook, runHooksAfterApply, stateValues } from "../../scripts/lib/hooks";
import { usesNullProvider } from "../../scripts/lib/terraform";
import { ROOT, StackJson, configNamed, resourcesOf, synthAll } from "../helpers/synth";

let foundations: StackJson;
beforeAll(() => {
  foundations = synthAll(configNamed("dev")).stacks.foundations;
});

const repoAddress = () =>
  `aws_ecr_repository.${Object.keys(resourcesOf(foundations, "aws_ecr_repository")).find((id) => id.startsWith("ecr-influxdb_"))}`;

/** `terraform show -json` of an applied foundations, reduced to what the hooks reference. */
const appliedState = (url: string) => ({
  values: { root_module: { resources: [{ address: repoAddress(), values: { repository_url: url, name: "streamlines-dev-influxdb" } }] } },
});

test("hooksOf reads each null_resource's local-exec as synthesized: the build script, its environment, /bin/sh -c", () => {
  const hooks = hooksOf(foundations);
  expect(hooks).toHaveLength(1);
  expect(hooks[0]).toMatchObject({
    address: expect.stringMatching(/^null_resource\.image-influxdb_hook_[0-9A-F]+$/),
    command: shellQuote(path.join(ROOT, BUILD_SCRIPT)),
    interpreter: ["/bin/sh", "-c"],
    environment: expect.objectContaining({
      REPOSITORY_URL: `\${${repoAddress()}.repository_url}`,
      IMAGE_TAG: expect.stringMatching(/^ctx-[0-9a-f]{16}$/),
      PLATFORM: "linux/arm64",
    }),
  });
});

test("resolveEnvironment fills references from the applied state and refuses what it cannot resolve, naming the variable", () => {
  const state = stateValues(appliedState("123456789012.dkr.ecr.eu-central-1.amazonaws.com/streamlines-dev-influxdb"));
  const [hook] = hooksOf(foundations);
  expect(resolveEnvironment(hook.environment, state).REPOSITORY_URL).toBe(
    "123456789012.dkr.ecr.eu-central-1.amazonaws.com/streamlines-dev-influxdb",
  );
  expect(() => resolveEnvironment({ X: "${aws_ecr_repository.gone.repository_url}" }, state)).toThrow(
    "X: cannot resolve ${aws_ecr_repository.gone.repository_url} from the applied state",
  );
  expect(() => resolveEnvironment({ Y: '${join(":", ["a"])}' }, state)).toThrow(/^Y: cannot resolve/);
});

describe("running hooks outside Terraform", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hooks-test-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("detachHooks leaves a stack without the null provider and returns its hooks", () => {
    fs.writeFileSync(path.join(dir, "cdk.tf.json"), JSON.stringify(foundations));
    const hooks = detachHooks(dir);
    expect(hooks.map((h) => h.address)).toEqual(hooksOf(foundations).map((h) => h.address));
    const after = JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8"));
    expect(usesNullProvider(after)).toBe(false);
    expect(Object.keys(after.resource.aws_ecr_repository)).toEqual(Object.keys(resourcesOf(foundations, "aws_ecr_repository")));
  });

  test("a hook runs as local-exec does: in the stack dir, the caller's environment plus its own, exit code passed on", async () => {
    const lines: string[] = [];
    const code = await runHook(
      {
        address: "null_resource.x",
        command: 'echo "$PWD $FROM_CALLER $REPOSITORY_URL"; exit 3',
        environment: {},
        interpreter: ["/bin/sh", "-c"],
      },
      { REPOSITORY_URL: "r/x" },
      dir,
      { PATH: process.env.PATH, FROM_CALLER: "caller" },
      (l) => lines.push(l),
    );
    expect(code).toBe(3);
    expect(lines).toEqual([`${fs.realpathSync(dir)} caller r/x`]);
  });

  test("runHooksAfterApply runs each hook with its resolved environment and reports the first failure in one line", async () => {
    const [hook] = hooksOf(foundations);
    const probe = { ...hook, command: 'echo "$REPOSITORY_URL:$IMAGE_TAG"' };
    const lines: string[] = [];
    const ok = await runHooksAfterApply(
      [probe],
      dir,
      async () => appliedState("reg/streamlines-dev-influxdb"),
      { PATH: process.env.PATH },
      (l) => lines.push(l),
    );
    expect(ok).toBeUndefined();
    expect(lines).toEqual([`reg/streamlines-dev-influxdb:${hook.environment.IMAGE_TAG}`]);
    const failed = await runHooksAfterApply(
      [{ ...probe, command: "exit 7" }],
      dir,
      async () => appliedState("reg/x"),
      { PATH: process.env.PATH },
      () => undefined,
    );
    expect(failed).toBe(`${hook.address}: local-exec exit 7 exited 7`);
  });
});

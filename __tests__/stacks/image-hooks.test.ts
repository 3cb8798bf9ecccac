import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ECR_REPOSITORIES, EcrRepositoryName, IMAGE_SETTINGS, imageBuilds } from "../../config/schema";
import { SECRET_LIKE_ENV_NAME } from "../../config/rules";
import { BUILD_SCRIPT, BUILD_SCRIPT_ENV, contextTag, shellQuote } from "../../modules/image-build";
import { phaseOrder } from "../../scripts/lib/stacks";
import { ROOT, StackJson, Synthesized, configNamed, dataOf, resourcesOf, synthAll } from "../helpers/synth";

const HOOKS_CONFIG = path.join(ROOT, "__tests__", "fixtures", "configs", "image-hooks.json");

/** Logical id of a repository's aws_ecr_repository in foundations. */
const repositoryIdOf = (stack: StackJson, repo: EcrRepositoryName): string => {
  const ids = Object.keys(resourcesOf(stack, "aws_ecr_repository")).filter((id) => id.startsWith(`ecr-${repo}_`));
  expect(ids).toHaveLength(1);
  return ids[0];
};

/** Every `<repository url>:<tag>` string in a stack's JSON, as repository and tag. */
function imageReferences(stack: StackJson): Array<{ repository: string; tag: string }> {
  const text = JSON.stringify(stack);
  // `${...repository_url}:tag` in task definitions; `join(":", [...repository_url, "tag"])` in the host's user data.
  return [...text.matchAll(/ecr-([a-z]+)_repository_[0-9A-F]+\.?repository_url(?:\}:|, \\"|, ")([A-Za-z0-9_][A-Za-z0-9_.-]*)/g)].map(
    (m) => ({ repository: m[1], tag: m[2] }),
  );
}

type Provisioner = { "local-exec": { command: string; environment: Record<string, string> } };

describe.each([
  ["image-hooks fixture (ingest, ripples from build contexts)", HOOKS_CONFIG],
  ["dev (influxdb from its hook, the services pinned)", "dev"],
])("image hooks: %s", (_label, config) => {
  let synth: Synthesized;
  let foundations: StackJson;
  beforeAll(() => {
    synth = synthAll(configNamed(config));
    foundations = synth.stacks.foundations;
  });

  test("one null_resource per image with a build context, and the null provider only then", () => {
    const builds = imageBuilds(synth.config);
    const hooks = resourcesOf(foundations, "null_resource");
    expect(
      Object.keys(hooks)
        .map((id) => id.replace(/_hook_[0-9A-F]+$/, ""))
        .sort(),
    ).toEqual(builds.map((b) => `image-${b.repository}`).sort());
    expect(foundations.terraform.required_providers).toEqual(
      builds.length > 0 ? expect.objectContaining({ null: expect.objectContaining({ source: "null" }) }) : { aws: expect.anything() },
    );
    for (const other of Object.keys(synth.stacks).filter((s) => s !== "foundations")) {
      expect(resourcesOf(synth.stacks[other], "null_resource")).toEqual({});
    }
  });

  test("the fixture builds what it says: ingest and ripples (own Dockerfile path, arm64), nothing pinned among them", () => {
    if (config !== HOOKS_CONFIG) {
      expect(imageBuilds(synth.config).map((b) => [b.repository, path.relative(ROOT, b.contextDir), b.platform])).toEqual([
        ["influxdb", "modules/influx-host", "linux/arm64"],
      ]);
      return;
    }
    expect(imageBuilds(synth.config).map((b) => [b.repository, b.platform, b.dockerfile && path.relative(ROOT, b.dockerfile)])).toEqual([
      ["ingest", "linux/amd64", undefined],
      ["ripples", "linux/arm64", "__tests__/fixtures/image-contexts/ripples/docker/Dockerfile.ripples"],
    ]);
  });

  test("each hook: trigger is the context hash, it depends on its repository and runs the script with the contract's environment", () => {
    const script = path.join(ROOT, BUILD_SCRIPT);
    expect(fs.statSync(script).mode & 0o111).not.toBe(0);
    for (const build of imageBuilds(synth.config)) {
      const [, hook] = Object.entries(resourcesOf(foundations, "null_resource")).find(([k]) => k.startsWith(`image-${build.repository}_`))!;
      const repo = `aws_ecr_repository.${repositoryIdOf(foundations, build.repository)}`;
      const tag = contextTag({ contextDir: build.contextDir, dockerfile: build.dockerfile, platform: build.platform });
      expect(tag).toMatch(/^ctx-[0-9a-f]{16}$/);
      expect(hook.triggers).toEqual({ content_hash: tag });
      expect(hook.depends_on).toEqual([repo]);
      expect(hook.lifecycle).toEqual({ replace_triggered_by: [repo] });
      const provisioners = hook.provisioner as Provisioner[];
      expect(provisioners).toHaveLength(1);
      const exec = provisioners[0]["local-exec"];
      expect(exec.command).toBe(shellQuote(script));
      expect(exec.environment).toEqual({
        REPOSITORY_URL: `\${${repo}.repository_url}`,
        IMAGE_TAG: tag,
        PLATFORM: build.platform,
        CONTEXT_DIR: build.contextDir,
        ...(build.dockerfile && { DOCKERFILE: build.dockerfile }),
        AWS_REGION: synth.config.region,
      });
      for (const [name, value] of Object.entries(exec.environment)) {
        expect(BUILD_SCRIPT_ENV).toContain(name);
        expect(`${name}=${value}`).not.toMatch(SECRET_LIKE_ENV_NAME);
      }
    }
  });

  test("every phase-2 image reference is <repo url>:<hook tag> or <repo url>:<pinned tag>", () => {
    const hookTags = new Map(
      Object.values(resourcesOf(foundations, "null_resource")).map((h) => {
        const env = (h.provisioner as Provisioner[])[0]["local-exec"].environment;
        return [/ecr-([a-z]+)_repository/.exec(env.REPOSITORY_URL)![1], env.IMAGE_TAG] as const;
      }),
    );
    const phase2 = Object.keys(synth.stacks).filter((s) => s !== "foundations");
    const refs = phase2.flatMap((s) => imageReferences(synth.stacks[s]));
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ECR_REPOSITORIES).toContain(ref.repository);
      const repo = ref.repository as EcrRepositoryName;
      const expected = hookTags.get(repo) ?? IMAGE_SETTINGS[repo]?.setting(synth.config)?.tag;
      expect(ref).toEqual({ repository: repo, tag: expected });
    }
    // Every hook's image is run by someone: no build without a consumer.
    for (const repo of hookTags.keys()) expect(refs.some((r) => r.repository === repo)).toBe(true);
  });

  test('every pinned phase-2 image has a data "aws_ecr_image" for exactly its repository and tag in the stack that runs it; hook images none', () => {
    for (const stack of Object.keys(synth.stacks).filter((s) => s !== "foundations")) {
      const pinned = imageReferences(synth.stacks[stack])
        .filter((r) => !r.tag.startsWith("ctx-"))
        .map((r) => `${synth.config.app}-${synth.config.env}-${r.repository}:${r.tag}`);
      const lookups = Object.values(dataOf(synth.stacks[stack], "aws_ecr_image")).map(
        (d) => `${String(d.repository_name)}:${String(d.image_tag)}`,
      );
      expect(lookups.sort()).toEqual([...new Set(pinned)].sort());
    }
  });

  test("the manifest puts foundations first, and every other stack depends on it", () => {
    const order = phaseOrder(synth.manifest);
    expect(order[0]).toBe("foundations");
    expect(order.length).toBeGreaterThan(1);
    for (const stack of order.slice(1)) expect(synth.manifest.stacks[stack].dependencies).toContain("foundations");
  });
});

describe("shipped configs build the images this repository owns", () => {
  const shipped = fs
    .readdirSync(path.join(ROOT, "config"))
    .filter((f) => f.endsWith(".json"))
    .sort();

  test.each(shipped)(
    "%s: influxdb from modules/influx-host, and grafana from modules/grafana/image where the profile runs Grafana",
    (file) => {
      const config = configNamed(path.join(ROOT, "config", file));
      const builds = Object.fromEntries(imageBuilds(config).map((b) => [b.repository, path.relative(ROOT, b.contextDir)]));
      expect(builds.influxdb).toBe("modules/influx-host");
      if (IMAGE_SETTINGS.grafana!.requiredFor(config)) expect(builds.grafana).toBe("modules/grafana/image");
    },
  );
});

test("the hook's command is one shell word: a checkout path with spaces and quotes runs the script it names", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "checkout with 'quotes' and spaces "));
  try {
    const script = path.join(dir, "build and push.sh");
    fs.writeFileSync(script, '#!/bin/sh\necho "ran $0"\n', { mode: 0o755 });
    const r = spawnSync("/bin/sh", ["-c", shellQuote(script)], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`ran ${script}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

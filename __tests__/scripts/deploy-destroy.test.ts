import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { buildStacks } from "../../stacks/app";
import { KeptRecord, adoptKept, keptManifest } from "../../stacks/kept";
import { cdktfArgs, cleanLines, describeCounts, parseCounts } from "../../scripts/lib/cdktf";
import { importIdOf, keptEntries, mergeKeptRecords, stateResources } from "../../scripts/lib/kept";
import { deployPhases, parseDeployArgs, phase2Ready } from "../../scripts/deploy";
import { PHASE2_CHECKS, checkOperatorSettings } from "../../scripts/lib/checks";
import { deleteForRealSteps, parseDestroyArgs } from "../../scripts/destroy";
import { configNamed } from "../helpers/synth";

describe("kept resources and their adoption (dev config: dataRetention on, EBS volume)", () => {
  let outdir: string;
  let manifest: ReturnType<typeof keptManifest>;
  let foundations: { import?: Array<{ to: string; id: string }>; resource: Record<string, Record<string, unknown>> };
  let unmatched: ReturnType<typeof adoptKept>;
  let volumeAddress: string;

  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), "streamlines-kept-"));
    const app = new App({ outdir });
    buildStacks(app, configNamed("dev"));
    manifest = keptManifest(app);
    volumeAddress = manifest.stacks.foundations.find((a) => a.startsWith("aws_ebs_volume."))!;
    const record: KeptRecord = {
      recordedAt: "2026-11-23T00:00:00.000Z",
      resources: [
        { stack: "foundations", address: volumeAddress, type: "aws_ebs_volume", importId: "vol-0123456789abcdef0" },
        { stack: "foundations", address: "aws_efs_file_system.gone_0000", type: "aws_efs_file_system", importId: "fs-1" },
      ],
    };
    unmatched = adoptKept(app, record);
    app.synth();
    foundations = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "foundations", "cdk.tf.json"), "utf8"));
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test("foundations keeps the data, the key that encrypts it and the secrets; not the snapshot schedule; other stacks keep nothing", () => {
    expect(Object.keys(manifest.stacks)).toEqual(["foundations"]);
    const types = [...new Set(manifest.stacks.foundations.map((a) => a.split(".")[0]))].sort();
    expect(types).toEqual([
      "aws_dynamodb_table",
      "aws_ebs_volume",
      "aws_kms_alias",
      "aws_kms_key",
      "aws_s3_bucket",
      "aws_s3_bucket_lifecycle_configuration",
      "aws_s3_bucket_ownership_controls",
      "aws_s3_bucket_policy",
      "aws_s3_bucket_public_access_block",
      "aws_s3_bucket_server_side_encryption_configuration",
      "aws_s3_bucket_versioning",
      "aws_s3_object",
      "aws_secretsmanager_secret",
    ]);
    expect(manifest.stacks.foundations.filter((a) => a.startsWith("aws_secretsmanager_secret."))).toHaveLength(4);
    // Every kept address is a resource of the synthesized stack.
    for (const address of manifest.stacks.foundations) {
      const [type, id] = address.split(".");
      expect(foundations.resource[type]?.[id]).toBeDefined();
    }
  });

  test("a recorded resource becomes an import block; one that matches nothing is returned, not imported", () => {
    expect(foundations.import).toEqual([{ to: volumeAddress, id: "vol-0123456789abcdef0" }]);
    expect(unmatched.map((e) => e.address)).toEqual(["aws_efs_file_system.gone_0000"]);
  });
});

describe("the kept-resources record", () => {
  const state = JSON.stringify({
    values: {
      root_module: {
        resources: [
          { address: "aws_ebs_volume.v_1", mode: "managed", type: "aws_ebs_volume", values: { id: "vol-1" } },
          { address: "aws_s3_object.o_1", mode: "managed", type: "aws_s3_object", values: { id: "flink/", bucket: "b", key: "flink/" } },
          { address: "data.aws_partition.p", mode: "data", type: "aws_partition", values: { id: "aws" } },
          { address: "aws_ecr_repository.r_1", mode: "managed", type: "aws_ecr_repository", values: { id: "repo" } },
        ],
      },
    },
  });

  test("state resources are the managed ones; import ids follow the provider's import syntax", () => {
    const resources = stateResources(state);
    expect(resources.map((r) => r.address)).toEqual(["aws_ebs_volume.v_1", "aws_s3_object.o_1", "aws_ecr_repository.r_1"]);
    expect(resources.map(importIdOf)).toEqual(["vol-1", "b/flink/", "repo"]);
    expect(() => importIdOf({ address: "aws_x.y", mode: "managed", type: "aws_x", values: {} })).toThrow("aws_x.y: no import id in state");
    expect(stateResources("{}")).toEqual([]);
  });

  test("entries are the kept addresses present in the state; a later record replaces entries at the same address", () => {
    const entries = keptEntries("foundations", stateResources(state), ["aws_ebs_volume.v_1", "aws_s3_object.o_1", "aws_kms_key.absent"]);
    expect(entries).toEqual([
      { stack: "foundations", address: "aws_ebs_volume.v_1", type: "aws_ebs_volume", importId: "vol-1" },
      { stack: "foundations", address: "aws_s3_object.o_1", type: "aws_s3_object", importId: "b/flink/" },
    ]);
    const now = new Date("2026-11-23T12:00:00Z");
    const merged = mergeKeptRecords(
      {
        recordedAt: "old",
        resources: [
          { ...entries[0], importId: "vol-old" },
          { stack: "foundations", address: "aws_kms_key.k", type: "aws_kms_key", importId: "k" },
        ],
      },
      entries,
      now,
    );
    expect(merged).toEqual({
      recordedAt: now.toISOString(),
      resources: [{ stack: "foundations", address: "aws_kms_key.k", type: "aws_kms_key", importId: "k" }, ...entries],
    });
  });
});

describe("cdktf runs", () => {
  test("the project's flags: no synth, no registry lock, one stack at a time", () => {
    expect(cdktfArgs("deploy", "core", "/out", true)).toEqual([
      "deploy",
      "core",
      "--skip-synth",
      "--output",
      "/out",
      "--skip-provider-lock",
      "--ignore-missing-stack-dependencies",
      "--no-color",
      "--auto-approve",
    ]);
    expect(cdktfArgs("destroy", "edge", "/out", false)).not.toContain("--auto-approve");
  });

  test("output lines lose escape sequences and status redraws; counts come from the last summary", () => {
    const raw =
      "\u001b[2K\u001b[1A\u001b[Gfoundations  Initializing...\n\n0 Stacks deploying     0 Stacks done     1 Stack waiting\n⠋  Starting\r\nfoundations  Apply complete! Resources: 16 imported, 12 added, 1 changed, 0 destroyed.\n";
    const lines = cleanLines(raw);
    expect(lines).toEqual([
      "foundations  Initializing...",
      "foundations  Apply complete! Resources: 16 imported, 12 added, 1 changed, 0 destroyed.",
    ]);
    expect(parseCounts(lines)).toEqual({ imported: 16, added: 12, changed: 1, destroyed: 0 });
    expect(parseCounts(["core  Destroy complete! Resources: 59 destroyed."])).toEqual({ imported: 0, added: 0, changed: 0, destroyed: 59 });
    expect(parseCounts(["core  Error: something"])).toBeUndefined();
    expect(describeCounts({ imported: 0, added: 0, changed: 0, destroyed: 0 })).toBe("no changes");
    expect(describeCounts({ imported: 2, added: 0, changed: 1, destroyed: 0 })).toBe("2 imported, 1 changed");
    expect(describeCounts(undefined)).toBe("no summary");
  });
});

describe("deploy and destroy commands", () => {
  test("deploy: phase 1 is what depends on nothing, phase 2 the rest in dependency order", () => {
    const manifest = {
      stacks: {
        edge: { dependencies: ["foundations", "core"] },
        core: { dependencies: ["foundations"] },
        foundations: {},
        influx: { dependencies: ["foundations", "core"] },
      },
    };
    expect(deployPhases(manifest)).toEqual([
      { stack: "foundations", phase: 1 },
      { stack: "core", phase: 2 },
      { stack: "edge", phase: 2 },
      { stack: "influx", phase: 2 },
    ]);
  });

  test("arguments", () => {
    expect(parseDeployArgs([])).toEqual({ autoApprove: false, timeoutMs: 20 * 60_000 });
    expect(parseDeployArgs(["--auto-approve", "--timeout-minutes", "5"])).toEqual({ autoApprove: true, timeoutMs: 5 * 60_000 });
    expect(() => parseDeployArgs(["core"])).toThrow(/Unexpected argument 'core'/);
    expect(() => parseDeployArgs(["--timeout-minutes", "soon"])).toThrow(
      '--timeout-minutes "soon": expected a number of minutes from 1 to 120',
    );
    expect(parseDestroyArgs(["--yes-delete-data", "--auto-approve"])).toEqual({ autoApprove: true, yesDeleteData: true });
    expect(() => parseDestroyArgs(["--force"])).toThrow("usage: npm run destroy");
  });

  test("deleting kept resources for real: retention off, deploy to adopt, destroy with confirmation, residuals", () => {
    const steps = deleteForRealSteps("config/prod.json").join("\n");
    expect(steps).toMatch(
      /"dataRetention": false in config\/prod\.json[\s\S]*npm run deploy[\s\S]*npm run destroy -- --yes-delete-data[\s\S]*npm run residuals/,
    );
  });
});

describe("deploy before phase 2: the operator settings", () => {
  test("dev without TOP_TICKERS_API: one refusal line naming the key and the fix, phase 2 may not start", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const ready = await phase2Ready(configNamed("dev"), { out: (l) => out.push(l), err: (l) => err.push(l) }, [checkOperatorSettings]);
    expect(ready).toBe(false);
    expect(err).toEqual([
      expect.stringMatching(
        /^deploy: refusing phase 2: services\.ingest\.environment\.TOP_TICKERS_API is unset: .*; fix: set it in the config file/,
      ),
    ]);
  });

  test("a config that gives it passes the check", async () => {
    const out: string[] = [];
    expect(await phase2Ready(configNamed("acceptance"), { out: (l) => out.push(l), err: () => undefined }, [checkOperatorSettings])).toBe(
      true,
    );
    expect(out).toEqual(["deploy: before phase 2: operator settings: ok"]);
  });

  test("it runs first among deploy's phase-2 checks", () => {
    expect(PHASE2_CHECKS[0]).toBe(checkOperatorSettings);
  });
});

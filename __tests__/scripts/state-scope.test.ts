/** Scoping of the state bucket: per-app keys, whose state and record it is, and the bucket owner on every request. */
import * as fs from "fs";
import * as path from "path";
import { GetObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { parseConfig } from "../../config/load";
import { StreamLinesConfig } from "../../config/schema";
import { stateKey } from "../../stacks/base";
import { keptRecordKey, keptScopeProblem, mergeKeptRecords } from "../../scripts/lib/kept";
import { notOursMessage, openStateBucket, ownerCheckedS3Client, stateScopeProblem } from "../../scripts/lib/state-bucket";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const file = path.join(__dirname, "..", "..", "config", "dev.json");
const dev: StreamLinesConfig = parseConfig(fs.readFileSync(file, "utf8"), file);
const other = (over: Partial<StreamLinesConfig>): StreamLinesConfig => ({ ...dev, ...over });

describe("state keys", () => {
  test("unique per app, env and region under the default prefix", () => {
    expect(stateKey(dev, "core")).toBe(`streamlines/${dev.app}/${dev.env}/${dev.region}/core.tfstate`);
    expect(keptRecordKey(dev)).toBe(`streamlines/${dev.app}/${dev.env}/${dev.region}/kept-resources.json`);
    const keys = [dev, other({ app: "tickers" }), other({ env: "dev2" }), other({ region: "eu-west-1" })].map((c) => [
      stateKey(c, "core"),
      keptRecordKey(c),
    ]);
    expect(new Set(keys.flat()).size).toBe(8);
  });
});

/** A raw state object as the S3 backend writes it. */
const rawState = (...resources: Array<{ type: string; provider?: string; attributes: Record<string, unknown> }>) =>
  JSON.stringify({
    version: 4,
    resources: resources.map((r, i) => ({
      mode: "managed",
      type: r.type,
      name: `r${i}`,
      provider: r.provider ?? 'provider["registry.terraform.io/hashicorp/aws"]',
      instances: [{ attributes: r.attributes }],
    })),
  });

describe("whose state is this", () => {
  const ours = { app: dev.app, env: dev.env, stack: "core", owner: dev.owner };
  const arn = (region: string) => `arn:aws:sqs:${region}:123456789012:${dev.app}-${dev.env}-q`;

  test("this env's state, including an aliased us-east-1 provider's resources, belongs", () => {
    const raw = rawState(
      { type: "aws_sqs_queue", attributes: { arn: arn(dev.region), tags_all: ours } },
      {
        type: "aws_acm_certificate",
        provider: 'provider["registry.terraform.io/hashicorp/aws"].us_east_1',
        attributes: { arn: arn("us-east-1"), tags_all: ours },
      },
      { type: "aws_iam_role_policy_attachment", attributes: { id: "x" } },
    );
    expect(stateScopeProblem(raw, dev)).toBeUndefined();
  });

  test("another app's, another env's or another region's state is refused, naming the resource and both sides", () => {
    expect(stateScopeProblem(rawState({ type: "aws_sqs_queue", attributes: { tags_all: { ...ours, app: "tickers" } } }), dev)).toBe(
      `aws_sqs_queue.r0 is tagged app=tickers, this config's app is ${dev.app}`,
    );
    expect(stateScopeProblem(rawState({ type: "aws_sqs_queue", attributes: { tags_all: { ...ours, env: "dev2" } } }), dev)).toBe(
      `aws_sqs_queue.r0 is tagged env=dev2, this config's env is ${dev.env}`,
    );
    const elsewhere = dev.region === "eu-west-1" ? "eu-central-1" : "eu-west-1";
    expect(stateScopeProblem(rawState({ type: "aws_sqs_queue", attributes: { arn: arn(elsewhere), tags_all: ours } }), dev)).toBe(
      `aws_sqs_queue.r0 is in ${elsewhere} (${arn(elsewhere)}), this config's region is ${dev.region}`,
    );
  });

  test("a kept record is adopted only by its own app, env and region; an unscoped one needs the operator's word", () => {
    const record = mergeKeptRecords(undefined, [
      { stack: "foundations", address: "aws_ebs_volume.v", type: "aws_ebs_volume", importId: "vol-1" },
    ]);
    const scoped = { ...record, scope: { app: dev.app, env: dev.env, region: dev.region } };
    expect(keptScopeProblem(scoped, dev)).toBeUndefined();
    expect(keptScopeProblem(scoped, other({ env: "dev2" }))).toMatch(
      new RegExp(`belongs to ${dev.app}-${dev.env} in ${dev.region}, not to ${dev.app}-dev2 in ${dev.region}; refusing`),
    );
    expect(keptScopeProblem(scoped, other({ region: "eu-west-1" }))).toMatch(/refusing to adopt or change it$/);
    expect(keptScopeProblem(record, dev)).toMatch(/names no app, env and region .*help\/state\.md/);
    // A later destroy keeps the scope it found.
    expect(mergeKeptRecords(scoped, []).scope).toEqual(scoped.scope);
  });
});

describe("expected bucket owner", () => {
  /** An S3 client against a stand-in handler that records each request's headers and answers `status`. */
  function recording(): { client: S3Client; seen: Array<{ method: string; path: string; owner?: string }> } {
    const seen: Array<{ method: string; path: string; owner?: string }> = [];
    const client = ownerCheckedS3Client({ ...dev, emulator: { endpoint: "http://127.0.0.1:9" } } as StreamLinesConfig, "111122223333");
    client.middlewareStack.add(
      () => async (args) => {
        const req = args.request as { method: string; path: string; headers: Record<string, string> };
        seen.push({ method: req.method, path: req.path, owner: req.headers["x-amz-expected-bucket-owner"] });
        // The shape HttpResponse.isInstance accepts: no request leaves the process.
        return { response: { statusCode: 200, headers: {}, body: Buffer.from("") }, output: {} as never };
      },
      { step: "finalizeRequest", name: "standIn", priority: "low" },
    );
    return { client, seen };
  }

  test("every request to the state bucket carries this account as ExpectedBucketOwner", async () => {
    const { client, seen } = recording();
    await client.send(new HeadBucketCommand({ Bucket: dev.state.bucket })).catch(() => undefined);
    await client.send(new PutObjectCommand({ Bucket: dev.state.bucket, Key: "k", Body: "{}" })).catch(() => undefined);
    await client.send(new GetObjectCommand({ Bucket: dev.state.bucket, Key: "k" })).catch(() => undefined);
    client.destroy();
    expect(seen.map((s) => [s.method, s.owner])).toEqual([
      ["HEAD", "111122223333"],
      ["PUT", "111122223333"],
      ["GET", "111122223333"],
    ]);
  });

  test("a bucket answering 403 to our owner condition is refused in one line", async () => {
    expect(notOursMessage(dev.state.bucket, "111122223333")).toBe(
      `state bucket ${dev.state.bucket} is not owned by this account (111122223333), or these credentials may not read it: refusing to read or write state there; use the owning account's credentials, or choose another state.bucket`,
    );
    const config = { ...dev, emulator: { endpoint: "http://127.0.0.1:9" } } as StreamLinesConfig;
    const spy = jest
      .spyOn(S3Client.prototype, "send")
      .mockImplementation(() => Promise.reject(Object.assign(new Error("Forbidden"), { name: "403", $metadata: { httpStatusCode: 403 } })));
    try {
      await expect(openStateBucket(config, "111122223333")).rejects.toThrow(notOursMessage(dev.state.bucket, "111122223333"));
    } finally {
      spy.mockRestore();
    }
  });
});

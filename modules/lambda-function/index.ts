import * as path from "path";
import { App, AssetType, Fn, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { LambdaFunction as LambdaFunctionResource } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { bundleLambda, handlerEntry } from "../../lambdas/build";
import { StreamLinesRole } from "../iam-role";
import { keyFromArn } from "../kms-key";
import { StreamLinesLogGroup } from "../log-group";
import { KinesisStream } from "../kinesis-stream";
import { EncryptedQueue } from "../queue";

/** Where the zips go: the artifacts bucket's `lambdas/` prefix. */
export const LAMBDA_CODE_PREFIX = "lambdas/";

export interface LambdaFunctionProps {
  /** `<app>-<env>-<component>`: the function, its role, and its log group `/aws/lambda/<name>`. */
  readonly name: string;
  readonly description: string;
  /** The handler's folder under `lambdas/`; its `index.ts` exports `handler`. */
  readonly handler: string;
  /** The artifacts bucket; the zip goes to `lambdas/<name>-<hash>.zip` in it. */
  readonly codeBucket: string;
  /** Encrypts the code object, the log group and the environment variables; the role may decrypt with it. */
  readonly kmsKeyArn: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** X-Ray active tracing. */
  readonly tracing: boolean;
  readonly logRetentionDays: number;
  /** Plain settings, never secrets. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Concurrency set aside for this function and also its ceiling; unset: it shares the account's pool. */
  readonly reservedConcurrency?: number;
}

/** Event source mapping settings for a Kinesis stream. */
export interface StreamSourceOptions {
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly maximumRetryAttempts: number;
  /** Where a batch goes once its retries are spent; the function's role may send to it. */
  readonly onFailure: EncryptedQueue;
}

/**
 * A Node.js 22 arm64 function built from `lambdas/<handler>` at synth time: esbuild bundle, zip asset,
 * `lambdas/<name>-<hash>.zip` in the artifacts bucket, the function from that object. Same sources,
 * same hash, same key: no plan. Its role holds what its grants add, and its own log group.
 */
export class LambdaFunction extends Construct {
  readonly arn: string;
  readonly name: string;
  /** The ARN API Gateway integrations call. */
  readonly invokeArn: string;
  readonly role: StreamLinesRole;
  readonly logGroup: StreamLinesLogGroup;
  /** Key of the code object, `lambdas/<name>-<sha256 of the bundle>.zip`. */
  readonly codeKey: string;

  constructor(scope: Construct, id: string, props: LambdaFunctionProps) {
    super(scope, id);
    // Built under the synth output, so concurrent synths never share a build directory.
    const buildDir = path.join(App.of(this).outdir, "lambda-bundles", props.name);
    // The zip is built with the bundle, with pinned entry dates and mode: an unchanged handler plans nothing.
    const bundle = bundleLambda(handlerEntry(props.handler), buildDir);
    // Upper case, like cdktf's own asset hashes, which snapshot tests scrub.
    const hash = bundle.sha256.toUpperCase();
    const asset = new TerraformAsset(this, "code", { path: bundle.zip, type: AssetType.FILE, assetHash: hash });
    this.codeKey = `${LAMBDA_CODE_PREFIX}${props.name}-${hash}.zip`;

    const code = new S3Object(this, "code-object", {
      bucket: props.codeBucket,
      key: this.codeKey,
      source: asset.path,
      // Re-uploads if a different zip tool ever zips the same bundle to other bytes.
      sourceHash: Fn.filemd5(asset.path),
      serverSideEncryption: "aws:kms",
      kmsKeyId: props.kmsKeyArn,
      contentType: "application/zip",
    });

    this.logGroup = new StreamLinesLogGroup(this, "logs", {
      name: `/aws/lambda/${props.name}`,
      retentionDays: props.logRetentionDays,
      kmsKeyArn: props.kmsKeyArn,
    });
    this.role = new StreamLinesRole(this, "role", {
      name: props.name,
      description: `${props.name}: the Lambda function's execution role`,
      assumedBy: ["lambda.amazonaws.com"],
    });
    this.logGroup.grantWrite(this.role);
    // The environment variables are encrypted with the key.
    keyFromArn(props.kmsKeyArn).grantDecrypt(this.role);
    if (props.tracing) {
      // X-Ray defines no resource types for trace upload.
      this.role.addToPolicy({ actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources: ["*"] });
    }

    const fn = new LambdaFunctionResource(this, "function", {
      functionName: props.name,
      description: props.description,
      role: this.role.arn,
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      s3Bucket: props.codeBucket,
      s3Key: code.key,
      sourceCodeHash: Fn.filebase64sha256(asset.path),
      memorySize: props.memoryMb,
      timeout: props.timeoutSeconds,
      kmsKeyArn: props.kmsKeyArn,
      tracingConfig: { mode: props.tracing ? "Active" : "PassThrough" },
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: props.environment && Object.keys(props.environment).length > 0 ? { variables: { ...props.environment } } : undefined,
      // The group first, so Lambda never creates an unencrypted one without retention.
      dependsOn: [this.logGroup.resource, code],
    });
    this.arn = fn.arn;
    this.name = fn.functionName;
    this.invokeArn = fn.invokeArn;
  }

  /**
   * Polls `stream` (no enhanced fan-out consumer) from the latest record: reports partial batch
   * failures, halves a failing batch to isolate the bad record, and sends a spent batch's metadata
   * to the queue. Grants the role polling on the stream and sending to the queue.
   */
  consumeStream(id: string, stream: KinesisStream, options: StreamSourceOptions): LambdaEventSourceMapping {
    stream.grantPoll(this.role);
    options.onFailure.grantSend(this.role);
    return new LambdaEventSourceMapping(this, id, {
      functionName: this.arn,
      eventSourceArn: stream.arn,
      startingPosition: "LATEST",
      batchSize: options.batchSize,
      maximumBatchingWindowInSeconds: options.batchingWindowSeconds,
      maximumRetryAttempts: options.maximumRetryAttempts,
      bisectBatchOnFunctionError: true,
      functionResponseTypes: ["ReportBatchItemFailures"],
      destinationConfig: { onFailure: { destinationArn: options.onFailure.arn } },
      // AWS checks the role's stream and queue permissions when the mapping is created.
      dependsOn: this.role.policy ? [this.role.policy] : [],
    });
  }
}

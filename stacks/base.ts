import { S3Backend, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider, AwsProviderConfig } from "@cdktf/provider-aws/lib/provider";
import { StackName, StreamLinesConfig } from "../config/schema";

/** Every AWS API the stacks call; the emulator setting points each of them at one endpoint. */
export const EMULATED_SERVICES = [
  "acm",
  "apigateway",
  "apigatewayv2",
  "applicationautoscaling",
  "backup",
  "cloudfront",
  "cloudwatch",
  "dlm",
  "dynamodb",
  "ec2",
  "ecr",
  "ecs",
  "efs",
  "elbv2",
  "events",
  "iam",
  "kinesis",
  "kms",
  "lambda",
  "logs",
  "route53",
  "s3",
  "scheduler",
  "secretsmanager",
  "servicediscovery",
  "sns",
  "sqs",
  "ssm",
  "sts",
  "wafv2",
] as const;

export const EMULATOR_CREDENTIALS = { accessKey: "test", secretKey: "test" } as const;

/** The tags every taggable resource carries, through the provider's default_tags. */
export function defaultTags(config: StreamLinesConfig, stack: string): Record<string, string> {
  return { app: config.app, env: config.env, stack, owner: config.owner };
}

/** Provider settings for one region; with an emulator configured, every endpoint points at it. */
export function awsProviderConfig(config: StreamLinesConfig, stack: string, region = config.region, alias?: string): AwsProviderConfig {
  const base: AwsProviderConfig = { region, alias, defaultTags: [{ tags: defaultTags(config, stack) }] };
  const emulator = config.emulator;
  if (!emulator) return base;
  return {
    ...base,
    ...EMULATOR_CREDENTIALS,
    endpoints: [Object.fromEntries(EMULATED_SERVICES.map((s) => [s, emulator.endpoint]))],
    s3UsePathStyle: true,
    skipCredentialsValidation: true,
    skipMetadataApiCheck: "true",
    // Unimplemented emulator calls answer HTTP 500; uncapped retries hang for minutes.
    maxRetries: 2,
    // No skipRequestingAccountId: with the emulator it makes security-group rules re-plan forever.
  };
}

/**
 * True when the stacks reach their AWS APIs over plain HTTP (a local emulator). A TLS-only bucket
 * policy would then deny Terraform's own object requests, exactly as AWS would.
 */
export function reachesAwsOverPlainHttp(config: StreamLinesConfig): boolean {
  return config.emulator !== undefined && new URL(config.emulator.endpoint).protocol === "http:";
}

/**
 * Where an environment's states and kept record live in the state bucket: one folder per app, env
 * and region, so two apps, or one env name in two regions, sharing a bucket never share a key.
 */
export function envStatePath(config: StreamLinesConfig): string {
  return `${config.state.prefix}/${config.app}/${config.env}/${config.region}`;
}

export function stateKey(config: StreamLinesConfig, stack: string): string {
  return `${envStatePath(config)}/${stack}.tfstate`;
}

export interface StreamLinesStackProps {
  readonly config: StreamLinesConfig;
}

/** A stack with the project's provider, default tags and S3 remote state. */
export abstract class StreamLinesStack extends TerraformStack {
  readonly config: StreamLinesConfig;
  readonly provider: AwsProvider;

  constructor(
    scope: Construct,
    readonly stackName: StackName,
    props: StreamLinesStackProps,
  ) {
    super(scope, stackName);
    this.config = props.config;
    this.provider = new AwsProvider(this, "aws", awsProviderConfig(this.config, stackName));
    const emulator = this.config.emulator;
    const backend = new S3Backend(this, {
      bucket: this.config.state.bucket,
      key: stateKey(this.config, stackName),
      region: this.config.state.region,
      encrypt: true,
      ...(emulator && {
        ...EMULATOR_CREDENTIALS,
        endpoints: { s3: emulator.endpoint, sts: emulator.endpoint, iam: emulator.endpoint },
        usePathStyle: true,
        skipCredentialsValidation: true,
        skipRequestingAccountId: true,
        skipMetadataApiCheck: true,
        skipRegionValidation: true,
      }),
    });
    // S3-native locking; cdktf 0.21's S3Backend has no prop for it.
    backend.addOverride("use_lockfile", true);
  }

  /** `<app>-<env>-<component>`, the AWS name of a component. */
  name(component: string): string {
    return `${this.config.app}-${this.config.env}-${component}`;
  }
}

import { Construct } from "constructs";
import { AssetType, Fn, TerraformAsset, Token } from "cdktf";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { VolumeAttachment } from "@cdktf/provider-aws/lib/volume-attachment";
import { ServiceDiscoveryService } from "@cdktf/provider-aws/lib/service-discovery-service";
import { ServiceDiscoveryInstance } from "@cdktf/provider-aws/lib/service-discovery-instance";
import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { Grantable, StreamLinesRole } from "../iam-role";
import { StreamLinesLogGroup } from "../log-group";
import { PullableRepository } from "../fargate-service";
import { repoPath } from "../../config/repository";
import { hostBootstrapEnvironment } from "./environment";
import { grantSessionManagerInstance } from "./session-manager";

/** The bootstrap script, shipped unchanged after the environment header. */
export const BOOTSTRAP_SCRIPT = repoPath("modules/influx-host/bootstrap.sh");

/** Public SSM parameter with the current Amazon Linux 2023 arm64 AMI id of the region. */
export const AL2023_ARM64_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";

/** Where the data volume is attached; Nitro hosts show it as NVMe, the script finds it by volume id. */
export const DATA_DEVICE_NAME = "/dev/sdf";

/** A token secret the host reads on every boot and writes when it makes or replaces a token (`EmptySecret`). */
export interface TokenSecret {
  readonly arn: string;
  grantRead(grantee: Grantable): void;
  grantWrite(grantee: Grantable): void;
}

/** The bootstrap reads all three token secrets and writes any token it makes or replaces. */
export function grantTokenSecrets(
  grantee: Grantable,
  secrets: { readonly admin: TokenSecret; readonly read: TokenSecret; readonly write: TokenSecret },
): void {
  for (const secret of [secrets.admin, secrets.read, secrets.write]) {
    secret.grantRead(grantee);
    secret.grantWrite(grantee);
  }
}

/** What the bootstrap needs to know about InfluxDB (its env contract, see bootstrap.sh). */
export interface InfluxSettings {
  readonly org: string;
  /** Bucket names, the setup bucket first. */
  readonly buckets: readonly string[];
  /** "0" or a duration such as 30d, for every bucket. */
  readonly retention: string;
  /** Port the host publishes InfluxDB on (the container always listens on 8086). */
  readonly port: number;
}

/**
 * The bootstrap's inputs, one `export NAME='value'` line each, as the pieces of a Terraform join:
 * literal text and values side by side, so a reference stays a reference. Values are ids, names and
 * references, never a token or password; a quote in a literal would break the header, so synth refuses it.
 */
export function bootstrapEnvironment(env: Readonly<Record<string, string>>): string[] {
  const parts = ["#!/usr/bin/env bash\n"];
  for (const [name, value] of Object.entries(env)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`influx-host: ${name} is not a shell variable name`);
    if (!Token.isUnresolved(value) && /['\n]/.test(value)) throw new Error(`influx-host: the value of ${name} holds a quote or a newline`);
    parts.push(`export ${name}='`, value, "'\n");
  }
  return parts;
}

export interface InfluxHostProps {
  /** `<app>-<env>-influxdb`: instance, role, instance profile and log group are named after it. */
  readonly name: string;
  readonly region: string;
  /** A Graviton type (the AMI is arm64). */
  readonly instanceType: string;
  /** A pinned AMI; without it the current Amazon Linux 2023 arm64 AMI, read from SSM at the first apply. */
  readonly amiId?: string;
  readonly rootVolumeGiB: number;
  /** Encrypts the root volume and the log group. */
  readonly kmsKeyArn: string;
  /** The private subnet in the data volume's availability zone. */
  readonly subnetId: string;
  /** InfluxDB's security group (core); its rules are the caller's (`InfluxAccess`). */
  readonly securityGroupId: string;
  /** The foundations EBS volume (`vol-...`). */
  readonly volumeId: string;
  /** The `influxdb` repository and the pinned tag the host pulls. */
  readonly image: { readonly repository: PullableRepository; readonly tag: string };
  readonly secrets: {
    readonly admin: TokenSecret & { readonly name: string };
    readonly read: TokenSecret & { readonly name: string };
    readonly write: TokenSecret & { readonly name: string };
  };
  readonly influx: InfluxSettings;
  readonly logs: { readonly groupName: string; readonly retentionDays: number };
  /** Registers the host as `influxdb.<namespace>` (A record to its private IP). */
  readonly namespaceId: string;
}

/**
 * The InfluxDB host: an EC2 instance that attaches the foundations volume and runs the bootstrap on
 * every boot (filesystem, Docker, InfluxDB, tokens), reachable as `influxdb.<namespace>`.
 */
export class InfluxHost extends Construct {
  readonly instanceId: string;
  readonly privateIp: string;
  readonly role: StreamLinesRole;
  readonly logGroupName: string;
  /** The image the host runs, `<repo url>:<tag>`. */
  readonly image: string;

  constructor(scope: Construct, id: string, props: InfluxHostProps) {
    super(scope, id);

    const logGroup = new StreamLinesLogGroup(this, "logs", {
      name: props.logs.groupName,
      retentionDays: props.logs.retentionDays,
      kmsKeyArn: props.kmsKeyArn,
    });
    this.logGroupName = logGroup.name;

    this.role = new StreamLinesRole(this, "role", {
      name: props.name,
      description: `${props.name}: Session Manager only, pull the influxdb image, read and write the three token secrets, ship logs`,
      assumedBy: ["ec2.amazonaws.com"],
    });
    grantSessionManagerInstance(this, this.role, props.region);
    props.image.repository.grantPull(this.role);
    grantTokenSecrets(this.role, props.secrets);
    logGroup.grantWrite(this.role);
    const profile = new IamInstanceProfile(this, "instance-profile", { name: props.name, role: this.role.name });

    this.image = `${props.image.repository.url}:${props.image.tag}`;
    const settings = {
      region: props.region,
      influx: props.influx,
      secretIds: { admin: props.secrets.admin.name, read: props.secrets.read.name, write: props.secrets.write.name },
    };
    const environment = bootstrapEnvironment(
      hostBootstrapEnvironment(settings, {
        volumeId: props.volumeId,
        deviceName: DATA_DEVICE_NAME,
        // A join, not the template string: a reference inside a literal trips cdktf's function rendering.
        image: Fn.join(":", [props.image.repository.url, props.image.tag]),
        logGroup: logGroup.name,
      }),
    );
    // The script is over EC2's 16 KB user data limit, so it goes gzipped (cloud-init unpacks it).
    // Terraform's base64gzip writes no timestamp, so the same inputs give the same bytes on every plan.
    const script = new TerraformAsset(this, "bootstrap", { path: BOOTSTRAP_SCRIPT, type: AssetType.FILE });
    const userData = Fn.base64gzip(Fn.join("", [...environment, Fn.file(script.path)]));

    // The data source, not `resolve:ssm:` in ami: that form plans a replacement on every run
    // (terraform-provider-aws #43364) and breaks with root_block_device (#43488).
    const ami = props.amiId ?? new DataAwsSsmParameter(this, "ami", { name: AL2023_ARM64_PARAMETER }).insecureValue;
    const instance = new Instance(this, "instance", {
      ami,
      instanceType: props.instanceType,
      subnetId: props.subnetId,
      vpcSecurityGroupIds: [props.securityGroupId],
      iamInstanceProfile: profile.name,
      userDataBase64: userData,
      // cloud-init runs user data once per instance: a new image tag or org only takes effect on a
      // new host. The data stays on the volume, and the bootstrap adopts it.
      userDataReplaceOnChange: true,
      // IMDSv2 only; one hop keeps containers on the host away from the instance's credentials.
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
      rootBlockDevice: {
        volumeType: "gp3",
        volumeSize: props.rootVolumeGiB,
        encrypted: true,
        kmsKeyId: props.kmsKeyArn,
        deleteOnTermination: true,
      },
      tags: { Name: props.name },
      // A newly published AMI must never replace the database host; help/troubleshooting-influx.md
      // shows how to roll it on purpose.
      lifecycle: { ignoreChanges: ["ami"] },
    });
    this.instanceId = instance.id;
    this.privateIp = instance.privateIp;

    new VolumeAttachment(this, "data-volume", {
      deviceName: DATA_DEVICE_NAME,
      volumeId: props.volumeId,
      instanceId: instance.id,
      // InfluxDB stops cleanly (and flushes) before the volume leaves a replaced host.
      stopInstanceBeforeDetaching: true,
    });

    const discovery = new ServiceDiscoveryService(this, "discovery", {
      name: "influxdb",
      description: `${props.name} host`,
      dnsConfig: { namespaceId: props.namespaceId, routingPolicy: "MULTIVALUE", dnsRecords: [{ type: "A", ttl: 10 }] },
    });
    new ServiceDiscoveryInstance(this, "discovery-instance", {
      serviceId: discovery.id,
      instanceId: instance.id,
      attributes: { AWS_INSTANCE_IPV4: instance.privateIp },
    });
  }
}

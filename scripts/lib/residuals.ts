/**
 * Lists what an environment left behind, through the AWS SDK: per-service listings plus the
 * Resource Groups Tagging API filtered by the app and env tags.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import { S3Client, ListBucketsCommand } from "@aws-sdk/client-s3";
import { ECRClient, DescribeImagesCommand, DescribeRepositoriesCommand } from "@aws-sdk/client-ecr";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { KMSClient, DescribeKeyCommand, ListAliasesCommand, ListKeysCommand } from "@aws-sdk/client-kms";
import { SecretsManagerClient, ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import {
  EC2Client,
  DescribeAddressesCommand,
  DescribeFlowLogsCommand,
  DescribeInternetGatewaysCommand,
  DescribeInstancesCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
} from "@aws-sdk/client-ec2";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { ECSClient, DescribeClustersCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, ListClustersCommand } from "@aws-sdk/client-ecs";
import { ServiceDiscoveryClient, ListNamespacesCommand } from "@aws-sdk/client-servicediscovery";
import { ResourceGroupsTaggingAPIClient, GetResourcesCommand } from "@aws-sdk/client-resource-groups-tagging-api";
import { IAMClient, ListPoliciesCommand, ListRolesCommand } from "@aws-sdk/client-iam";
import { EFSClient, DescribeAccessPointsCommand, DescribeFileSystemsCommand } from "@aws-sdk/client-efs";
import { SignatureV4 } from "@smithy/signature-v4";
import { emulatorClientConfig } from "./emulator";

export interface Residual {
  /** e.g. `s3`, `ec2`, `tagging`. */
  readonly service: string;
  /** e.g. `bucket`, `vpc`, `resource`. */
  readonly kind: string;
  readonly id: string;
  readonly detail?: string;
  readonly arn?: string;
  /** Billed size where the listing knows it (volumes, snapshots: GiB; ECR images: bytes in `bytes`). */
  readonly sizeGiB?: number;
  readonly bytes?: number;
  /** The Name tag, for kept entries derived from config names (a volume id is not known in advance). */
  readonly name?: string;
}

export interface ResidualScope {
  readonly app: string;
  readonly env: string;
  readonly region: string;
  /** Never reported: it holds the state of every stack. */
  readonly stateBucket: string;
  /** Emulator endpoint; absent means real AWS with the default credential chain. */
  readonly endpoint?: string;
  /**
   * Account: everything the listings see counts (a fresh emulator holds only what the run made).
   * App: only what carries our names or tags (a shared real account).
   */
  readonly mode: "account" | "app";
}

export interface ResidualReport {
  readonly residuals: readonly Residual[];
  /** Listings that failed: without them nothing can be proved. */
  readonly errors: readonly string[];
}

export interface KeptEntry {
  readonly service: string;
  readonly kind: string;
  /** Exact id, or a prefix ending in `*`. */
  readonly id: string;
  readonly reason: string;
}

export interface KeptList {
  readonly kept: readonly KeptEntry[];
}

export function loadKeptList(file: string): KeptList {
  const list = JSON.parse(fs.readFileSync(file, "utf8")) as KeptList;
  for (const [i, k] of (list.kept ?? []).entries()) {
    if (!k.service || !k.kind || !k.id || !k.reason?.trim()) throw new Error(`${file}: kept[${i}] needs service, kind, id and a reason`);
  }
  return list;
}

function keptMatch(entry: KeptEntry, r: Residual): boolean {
  if (entry.service !== r.service || entry.kind !== r.kind) return false;
  return entry.id.endsWith("*") ? r.id.startsWith(entry.id.slice(0, -1)) : entry.id === r.id;
}

/** Splits residuals into those kept on purpose and those left behind by mistake. */
export function partitionKept(residuals: readonly Residual[], kept: KeptList): { kept: Residual[]; left: Residual[] } {
  const out = { kept: [] as Residual[], left: [] as Residual[] };
  for (const r of residuals) (kept.kept.some((k) => keptMatch(k, r)) ? out.kept : out.left).push(r);
  return out;
}

export function formatResidualTable(rows: readonly Residual[]): string[] {
  const header: Residual = { service: "SERVICE", kind: "KIND", id: "ID", detail: "DETAIL" };
  const all = [header, ...rows];
  const w = (f: (r: Residual) => string) => Math.max(...all.map((r) => f(r).length));
  const ws = w((r) => r.service);
  const wk = w((r) => r.kind);
  const wi = w((r) => r.id);
  return all.map((r) => `${r.service.padEnd(ws)}  ${r.kind.padEnd(wk)}  ${r.id.padEnd(wi)}  ${r.detail ?? ""}`.trimEnd());
}

// ---- Kinesis: its SDK client speaks CBOR, which moto rejects; JSON 1.1 works on both ----

type Bytes = string | ArrayBuffer | ArrayBufferView;
const toBuffer = (d: Bytes): string | Buffer =>
  typeof d === "string" ? d : d instanceof ArrayBuffer ? Buffer.from(d) : Buffer.from(d.buffer, d.byteOffset, d.byteLength);

class NodeSha256 {
  private readonly hash: crypto.Hash | crypto.Hmac;
  constructor(secret?: Bytes) {
    this.hash = secret ? crypto.createHmac("sha256", toBuffer(secret)) : crypto.createHash("sha256");
  }
  update(data: Bytes): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

type CredentialSource = () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>;

async function signedFetch(
  credentials: CredentialSource,
  service: string,
  region: string,
  url: URL,
  method: "GET" | "POST",
  body?: string,
  extraHeaders: Record<string, string> = {},
): Promise<string> {
  const signer = new SignatureV4({ service, region, credentials, sha256: NodeSha256 });
  const query: Record<string, string> = {};
  url.searchParams.forEach((v, k) => (query[k] = v));
  const headers: Record<string, string> = { host: url.host };
  if (body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded; charset=utf-8";
  Object.assign(headers, extraHeaders);
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query,
    headers,
    body,
  });
  const res = await fetch(url, { method, headers: signed.headers, body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${service} ${method} ${url.pathname}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return text;
}

// ---- the listings ----

async function paginate<T>(fetchPage: (token?: string) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    all.push(...page.items);
    token = page.next;
  } while (token);
  return all;
}

/** Lists every leftover the scope can see. Each listing that fails is reported, not thrown. */
export async function listResiduals(scope: ResidualScope): Promise<ResidualReport> {
  const { app, env, region, endpoint } = scope;
  const cfg = endpoint ? emulatorClientConfig(endpoint, region) : { region };
  const ours = `${app}-${env}`;
  const named = (name: string | undefined) => scope.mode === "account" || (name ?? "").includes(ours);
  const tagged = (tags: Array<{ Key?: string; Value?: string }> | undefined) =>
    scope.mode === "account" || (tags?.some((t) => t.Key === "app" && t.Value === app) && tags?.some((t) => t.Key === "env" && t.Value === env));
  const nameTag = (tags: Array<{ Key?: string; Value?: string }> | undefined) => tags?.find((t) => t.Key === "Name")?.Value;

  const residuals: Residual[] = [];
  const errors: string[] = [];
  /**
   * ARNs and ids of resources that still list but are gone or going (KMS keys pending deletion,
   * deleted NAT gateways, inactive ECS clusters): the tagging API keeps returning such resources a while.
   */
  const leaving = new Set<string>();
  const add = (r: Residual) => residuals.push(r);
  const run = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      errors.push(`${what}: ${(err as Error).name}: ${(err as Error).message}`);
    }
  };

  const s3 = new S3Client(cfg);
  const ecr = new ECRClient(cfg);
  const ddb = new DynamoDBClient(cfg);
  const kms = new KMSClient(cfg);
  const sm = new SecretsManagerClient(cfg);
  const ec2 = new EC2Client(cfg);
  const logs = new CloudWatchLogsClient(cfg);
  const ecs = new ECSClient(cfg);
  const sd = new ServiceDiscoveryClient(cfg);
  const tagging = new ResourceGroupsTaggingAPIClient(cfg);
  const efs = new EFSClient(cfg);
  // IAM is global: one endpoint, signed for us-east-1.
  const iam = new IAMClient({ ...cfg, region: "us-east-1" });
  const credentials: CredentialSource = async () => {
    const c = await s3.config.credentials();
    return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken };
  };

  await Promise.all([
    run("s3 ListBuckets", async () => {
      const out = await s3.send(new ListBucketsCommand({}));
      for (const b of out.Buckets ?? []) if (b.Name !== scope.stateBucket && named(b.Name)) add({ service: "s3", kind: "bucket", id: b.Name!, arn: `arn:aws:s3:::${b.Name}` });
    }),
    run("ecr DescribeRepositories", async () => {
      const repos = await paginate(async (nextToken) => {
        const o = await ecr.send(new DescribeRepositoriesCommand({ nextToken }));
        return { items: o.repositories ?? [], next: o.nextToken };
      });
      for (const r of repos) if (named(r.repositoryName)) add({ service: "ecr", kind: "repository", id: r.repositoryName!, arn: r.repositoryArn });
    }),
    run("dynamodb ListTables", async () => {
      const tables = await paginate(async (ExclusiveStartTableName) => {
        const o = await ddb.send(new ListTablesCommand({ ExclusiveStartTableName }));
        return { items: o.TableNames ?? [], next: o.LastEvaluatedTableName };
      });
      for (const t of tables) if (named(t)) add({ service: "dynamodb", kind: "table", id: t });
    }),
    run("kms ListKeys/ListAliases", async () => {
      const aliases = await paginate(async (Marker) => {
        const o = await kms.send(new ListAliasesCommand({ Marker }));
        return { items: o.Aliases ?? [], next: o.Truncated ? o.NextMarker : undefined };
      });
      // AWS managed keys answer to alias/aws/*; moto even creates them as customer keys.
      const awsManaged = new Set(aliases.filter((a) => a.AliasName?.startsWith("alias/aws/")).map((a) => a.TargetKeyId));
      const keys = await paginate(async (Marker) => {
        const o = await kms.send(new ListKeysCommand({ Marker }));
        return { items: o.Keys ?? [], next: o.Truncated ? o.NextMarker : undefined };
      });
      for (const k of keys) {
        if (awsManaged.has(k.KeyId)) continue;
        const meta = (await kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata;
        if (!meta || meta.KeyManager === "AWS") continue;
        // A key cannot be deleted at once: a scheduled deletion is as gone as KMS allows.
        if (meta.KeyState === "PendingDeletion" || meta.KeyState === "PendingReplicaDeletion" || meta.DeletionDate) {
          if (meta.Arn) leaving.add(meta.Arn);
          continue;
        }
        if (scope.mode === "account" || (meta.Description ?? "").startsWith(`${app} ${env}`)) {
          // Named by its alias, which is how config knows the key (a kept key is matched by it).
          const alias = aliases.find((a) => a.TargetKeyId === meta.KeyId && !a.AliasName?.startsWith("alias/aws/"))?.AliasName;
          add({ service: "kms", kind: "key", id: meta.KeyId!, detail: `${meta.KeyState}: ${meta.Description ?? ""}`, arn: meta.Arn, ...(alias && { name: alias }) });
        }
      }
      for (const a of aliases) {
        if (a.AliasName?.startsWith("alias/aws/")) continue;
        if (scope.mode === "account" || a.AliasName?.startsWith(`alias/${ours}`)) add({ service: "kms", kind: "alias", id: a.AliasName!, detail: a.TargetKeyId });
      }
    }),
    run("secretsmanager ListSecrets", async () => {
      const secrets = await paginate(async (NextToken) => {
        const o = await sm.send(new ListSecretsCommand({ NextToken, IncludePlannedDeletion: true }));
        return { items: o.SecretList ?? [], next: o.NextToken };
      });
      for (const s of secrets) {
        if (s.DeletedDate) {
          if (s.ARN) leaving.add(s.ARN);
          continue;
        }
        if (named(s.Name)) add({ service: "secretsmanager", kind: "secret", id: s.Name!, arn: s.ARN });
      }
    }),
    run("ec2 DescribeVolumes", async () => {
      const vols = await paginate(async (NextToken) => {
        const o = await ec2.send(new DescribeVolumesCommand({ NextToken }));
        return { items: o.Volumes ?? [], next: o.NextToken };
      });
      for (const v of vols) {
        if (v.State !== "deleted" && tagged(v.Tags)) {
          add({ service: "ec2", kind: "volume", id: v.VolumeId!, detail: `${v.State} ${v.Size} GiB ${nameTag(v.Tags) ?? ""}`.trim(), sizeGiB: v.Size, name: nameTag(v.Tags) });
        }
      }
    }),
    run("ec2 DescribeSnapshots", async () => {
      // Only our own snapshots: public and AWS-owned ones are not ours to pay for.
      const snaps = await paginate(async (NextToken) => {
        const o = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"], NextToken }));
        return { items: o.Snapshots ?? [], next: o.NextToken };
      });
      for (const sn of snaps) {
        if (tagged(sn.Tags) || (scope.mode === "app" && (nameTag(sn.Tags) ?? sn.Description ?? "").includes(ours))) {
          add({ service: "ec2", kind: "snapshot", id: sn.SnapshotId!, detail: `${sn.State} ${sn.VolumeSize} GiB of ${sn.VolumeId ?? "?"} ${nameTag(sn.Tags) ?? ""}`.trim(), sizeGiB: sn.VolumeSize, name: nameTag(sn.Tags) });
        }
      }
    }),
    run("ecr DescribeImages", async () => {
      const repos = await paginate(async (nextToken) => {
        const o = await ecr.send(new DescribeRepositoriesCommand({ nextToken }));
        return { items: o.repositories ?? [], next: o.nextToken };
      });
      for (const repo of repos) {
        if (!named(repo.repositoryName)) continue;
        const images = await paginate(async (nextToken) => {
          const o = await ecr.send(new DescribeImagesCommand({ repositoryName: repo.repositoryName, nextToken }));
          return { items: o.imageDetails ?? [], next: o.nextToken };
        });
        for (const im of images) {
          const tags = im.imageTags?.length ? im.imageTags.join(",") : "untagged";
          add({ service: "ecr", kind: "image", id: `${repo.repositoryName}@${im.imageDigest}`, detail: `${tags} ${im.imageSizeInBytes ?? 0} bytes`, bytes: im.imageSizeInBytes });
        }
      }
    }),
    run("ec2 DescribeVpcs", async () => {
      const vpcs = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? [];
      for (const v of vpcs) if (!v.IsDefault && tagged(v.Tags)) add({ service: "ec2", kind: "vpc", id: v.VpcId!, detail: `${v.CidrBlock} ${nameTag(v.Tags) ?? ""}`.trim() });
      const defaults = new Set(vpcs.filter((v) => v.IsDefault).map((v) => v.VpcId));
      const igws = (await ec2.send(new DescribeInternetGatewaysCommand({}))).InternetGateways ?? [];
      for (const g of igws) {
        if (g.Attachments?.some((a) => defaults.has(a.VpcId))) continue;
        if (tagged(g.Tags)) add({ service: "ec2", kind: "internet-gateway", id: g.InternetGatewayId!, detail: nameTag(g.Tags) });
      }
      const groups = (await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? [];
      for (const g of groups) {
        if (defaults.has(g.VpcId) || g.GroupName === "default") continue;
        if (tagged(g.Tags)) add({ service: "ec2", kind: "security-group", id: g.GroupId!, detail: `${g.GroupName} in ${g.VpcId}` });
      }
    }),
    run("ec2 DescribeNatGateways", async () => {
      const nats = (await ec2.send(new DescribeNatGatewaysCommand({}))).NatGateways ?? [];
      for (const n of nats) {
        if (n.State === "deleted") {
          leaving.add(n.NatGatewayId!);
          continue;
        }
        if (tagged(n.Tags)) add({ service: "ec2", kind: "nat-gateway", id: n.NatGatewayId!, detail: n.State });
      }
    }),
    run("ec2 DescribeAddresses", async () => {
      for (const a of (await ec2.send(new DescribeAddressesCommand({}))).Addresses ?? []) {
        if (tagged(a.Tags)) add({ service: "ec2", kind: "elastic-ip", id: a.AllocationId ?? a.PublicIp!, detail: a.PublicIp });
      }
    }),
    run("ec2 DescribeNetworkInterfaces", async () => {
      // A NAT gateway's own interface goes with it (AWS removes it; moto leaves it behind).
      const natInterfaces = new Set(
        ((await ec2.send(new DescribeNatGatewaysCommand({}))).NatGateways ?? [])
          .filter((n) => n.State === "deleted")
          .flatMap((n) => (n.NatGatewayAddresses ?? []).map((a) => a.NetworkInterfaceId)),
      );
      // Terminated instances stay listed (and tagged) for about an hour; their primary interface
      // goes with them in AWS, while moto keeps it "in-use".
      const terminated = ((await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "instance-state-name", Values: ["shutting-down", "terminated"] }] }))).Reservations ?? [])
        .flatMap((r) => r.Instances ?? []);
      for (const i of terminated) leaving.add(i.InstanceId!);
      const instanceInterfaces = new Set(terminated.flatMap((i) => (i.NetworkInterfaces ?? []).map((n) => n.NetworkInterfaceId)));
      // Lambda and ECS interfaces carry no tags: any interface in a VPC of ours counts too.
      const ourVpcs = new Set(
        ((await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? []).filter((v) => !v.IsDefault && scope.mode === "app" && tagged(v.Tags)).map((v) => v.VpcId),
      );
      for (const n of (await ec2.send(new DescribeNetworkInterfacesCommand({}))).NetworkInterfaces ?? []) {
        if (natInterfaces.has(n.NetworkInterfaceId) || instanceInterfaces.has(n.NetworkInterfaceId)) continue;
        if (tagged(n.TagSet) || ourVpcs.has(n.VpcId)) add({ service: "ec2", kind: "network-interface", id: n.NetworkInterfaceId!, detail: `${n.Status} ${n.Description ?? ""}`.trim() });
      }
    }),
    run("ec2 DescribeVpcEndpoints", async () => {
      for (const e of (await ec2.send(new DescribeVpcEndpointsCommand({}))).VpcEndpoints ?? []) {
        if (e.State?.toLowerCase() !== "deleted" && tagged(e.Tags)) add({ service: "ec2", kind: "vpc-endpoint", id: e.VpcEndpointId!, detail: e.ServiceName });
      }
    }),
    run("ec2 DescribeFlowLogs", async () => {
      for (const f of (await ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs ?? []) {
        if (tagged(f.Tags)) add({ service: "ec2", kind: "flow-log", id: f.FlowLogId!, detail: f.LogGroupName });
      }
    }),
    run("efs DescribeFileSystems", async () => {
      const fss = await paginate(async (Marker) => {
        const o = await efs.send(new DescribeFileSystemsCommand({ Marker }));
        return { items: o.FileSystems ?? [], next: o.NextMarker };
      });
      for (const f of fss) if (f.LifeCycleState !== "deleted" && tagged(f.Tags)) add({ service: "efs", kind: "file-system", id: f.FileSystemId!, detail: `${f.LifeCycleState} ${f.Name ?? ""}`.trim() });
      // Access points live and die with their file system, but can be left on a kept one.
      for (const f of fss.filter((x) => x.LifeCycleState !== "deleted")) {
        const points = await paginate(async (NextToken) => {
          const o = await efs.send(new DescribeAccessPointsCommand({ FileSystemId: f.FileSystemId, NextToken }));
          return { items: o.AccessPoints ?? [], next: o.NextToken };
        });
        for (const p of points) {
          if (p.LifeCycleState === "deleted" || !tagged(p.Tags)) continue;
          add({ service: "efs", kind: "access-point", id: p.AccessPointId!, detail: `of ${f.FileSystemId} ${nameTag(p.Tags) ?? ""}`.trim(), arn: p.AccessPointArn, name: nameTag(p.Tags) });
        }
      }
    }),
    run("iam ListRoles/ListPolicies", async () => {
      // Roles and policies are named `<app>-<env>-...`; IAM is global, so the name is the only scope.
      const roles = await paginate(async (Marker) => {
        const o = await iam.send(new ListRolesCommand({ Marker }));
        return { items: o.Roles ?? [], next: o.IsTruncated ? o.Marker : undefined };
      });
      for (const r of roles) if (r.RoleName?.startsWith(`${ours}-`)) add({ service: "iam", kind: "role", id: r.RoleName });
      const policies = await paginate(async (Marker) => {
        const o = await iam.send(new ListPoliciesCommand({ Scope: "Local", Marker }));
        return { items: o.Policies ?? [], next: o.IsTruncated ? o.Marker : undefined };
      });
      for (const p of policies) if (p.PolicyName?.startsWith(`${ours}-`)) add({ service: "iam", kind: "policy", id: p.PolicyName });
    }),
    run("logs DescribeLogGroups", async () => {
      const groups = await paginate(async (nextToken) => {
        const o = await logs.send(new DescribeLogGroupsCommand({ nextToken }));
        return { items: o.logGroups ?? [], next: o.nextToken };
      });
      for (const g of groups) {
        const name = g.logGroupName ?? "";
        if (scope.mode === "account" || name.startsWith(`/${app}/${env}/`) || name.includes(ours)) add({ service: "logs", kind: "log-group", id: name });
      }
    }),
    run("kinesis ListStreams", async () => {
      // The Kinesis SDK client speaks CBOR, which moto does not; JSON 1.1 works on both.
      const url = new URL(endpoint ? `${endpoint}/` : `https://kinesis.${region}.amazonaws.com/`);
      const streams = await paginate(async (ExclusiveStartStreamName) => {
        const o = JSON.parse(
          await signedFetch(credentials, "kinesis", region, url, "POST", JSON.stringify(ExclusiveStartStreamName ? { ExclusiveStartStreamName } : {}), {
            "content-type": "application/x-amz-json-1.1",
            "x-amz-target": "Kinesis_20131202.ListStreams",
          }),
        ) as { StreamNames?: string[]; HasMoreStreams?: boolean };
        const names = o.StreamNames ?? [];
        return { items: names, next: o.HasMoreStreams ? names[names.length - 1] : undefined };
      });
      for (const s of streams) if (named(s)) add({ service: "kinesis", kind: "stream", id: s });
    }),
    run("ecs ListClusters", async () => {
      const arns = await paginate(async (nextToken) => {
        const o = await ecs.send(new ListClustersCommand({ nextToken }));
        return { items: o.clusterArns ?? [], next: o.nextToken };
      });
      for (let i = 0; i < arns.length; i += 100) {
        const out = await ecs.send(new DescribeClustersCommand({ clusters: arns.slice(i, i + 100) }));
        for (const c of out.clusters ?? []) {
          if (c.status !== "ACTIVE") {
            if (c.clusterArn) leaving.add(c.clusterArn);
            continue;
          }
          if (named(c.clusterName)) add({ service: "ecs", kind: "cluster", id: c.clusterName!, arn: c.clusterArn });
        }
      }
    }),
    run("servicediscovery ListNamespaces", async () => {
      const namespaces = await paginate(async (NextToken) => {
        const o = await sd.send(new ListNamespacesCommand({ NextToken }));
        return { items: o.Namespaces ?? [], next: o.NextToken };
      });
      for (const n of namespaces) if (named(n.Name)) add({ service: "servicediscovery", kind: "namespace", id: n.Name!, detail: n.Id, arn: n.Arn });
    }),
  ]);

  /**
   * Deleted ECS services and deregistered task definitions stay listed (INACTIVE) for a while, or
   * for good, with their tags, in AWS as in the emulator; they run and cost nothing.
   */
  const inactiveEcs = async (arn: string): Promise<boolean> => {
    try {
      return await ecsStatus(arn) === "INACTIVE";
    } catch {
      // Not describable: report it rather than hide it.
      return false;
    }
  };
  const ecsStatus = async (arn: string): Promise<string | undefined> => {
    const service = /^arn:[^:]+:ecs:[^:]+:\d+:service\/([^/]+)\/.+$/.exec(arn);
    if (service) return (await ecs.send(new DescribeServicesCommand({ cluster: service[1], services: [arn] }))).services?.[0]?.status;
    if (/^arn:[^:]+:ecs:[^:]+:\d+:task-definition\//.test(arn)) return (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))).taskDefinition?.status;
    return undefined;
  };

  // Last, so the per-service listings above have told which tagged ARNs are already leaving.
  await run("tagging GetResources app/env", async () => {
    const tagged = await paginate(async (PaginationToken) => {
      const o = await tagging.send(
        new GetResourcesCommand({ PaginationToken, TagFilters: [{ Key: "app", Values: [app] }, { Key: "env", Values: [env] }] }),
      );
      return { items: o.ResourceTagMappingList ?? [], next: o.PaginationToken || undefined };
    });
    const seen = new Set(residuals.flatMap((r) => (r.arn ? [r.arn, r.id] : [r.id])));
    for (const t of tagged) {
      const arn = t.ResourceARN!;
      if (await inactiveEcs(arn)) continue;
      const resourceId = arn.split(/[:/]/).pop() ?? arn;
      if (leaving.has(arn) || leaving.has(resourceId) || seen.has(arn) || seen.has(resourceId) || arn === `arn:aws:s3:::${scope.stateBucket}`) continue;
      const stack = t.Tags?.find((x) => x.Key === "stack")?.Value;
      add({ service: "tagging", kind: "resource", id: arn, detail: stack ? `stack=${stack}` : undefined, arn });
    }
  });

  for (const c of [s3, ecr, ddb, kms, sm, ec2, logs, ecs, sd, tagging]) c.destroy();
  return { residuals, errors };
}

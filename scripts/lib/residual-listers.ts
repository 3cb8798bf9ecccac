/**
 * One lister per kind of resource an environment can leave behind. In app mode each decides what is
 * ours exactly: by the `app` and `env` tags every resource carries (provider default_tags), or, for
 * the few kinds that cannot be tagged, by the exact names the stacks give them. Never by a name
 * prefix: `streamlines-dev2-*` and `streamlines-dev-eu-*` belong to other envs of the same app.
 */
import * as crypto from "crypto";
import { S3Client, ListBucketsCommand } from "@aws-sdk/client-s3";
import {
  ECRClient,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ListTagsForResourceCommand as EcrListTags,
} from "@aws-sdk/client-ecr";
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
import { ECSClient, DescribeClustersCommand, ListClustersCommand } from "@aws-sdk/client-ecs";
import { ServiceDiscoveryClient, ListNamespacesCommand, ListTagsForResourceCommand as SdListTags } from "@aws-sdk/client-servicediscovery";
import { ResourceGroupsTaggingAPIClient, GetResourcesCommand, ResourceTagMapping } from "@aws-sdk/client-resource-groups-tagging-api";
import { IAMClient, ListPoliciesCommand, ListPolicyTagsCommand, ListRoleTagsCommand, ListRolesCommand } from "@aws-sdk/client-iam";
import { EFSClient, DescribeAccessPointsCommand, DescribeFileSystemsCommand } from "@aws-sdk/client-efs";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Residual, ResidualScope } from "./residuals";

export type Tags = ReadonlyArray<{ Key?: string; Value?: string }> | undefined;

/** The clients a lister may use; tests hand in stand-ins with the same `send`. */
export interface Clients {
  readonly s3: Pick<S3Client, "send">;
  readonly ecr: Pick<ECRClient, "send">;
  readonly ddb: Pick<DynamoDBClient, "send">;
  readonly kms: Pick<KMSClient, "send">;
  readonly sm: Pick<SecretsManagerClient, "send">;
  readonly ec2: Pick<EC2Client, "send">;
  readonly logs: Pick<CloudWatchLogsClient, "send">;
  readonly ecs: Pick<ECSClient, "send">;
  readonly sd: Pick<ServiceDiscoveryClient, "send">;
  readonly tagging: Pick<ResourceGroupsTaggingAPIClient, "send">;
  readonly efs: Pick<EFSClient, "send">;
  readonly iam: Pick<IAMClient, "send">;
  /** Kinesis over JSON 1.1 (its SDK client speaks CBOR, which moto rejects): action and body in, parsed answer out. */
  readonly kinesis: (action: string, body: Record<string, unknown>) => Promise<Record<string, unknown>>;
}

export interface ListerContext {
  readonly scope: ResidualScope;
  readonly clients: Clients;
  /** `service:resource` keys (see arnKey) of what the tagging API finds tagged app=<app>, env=<env>. */
  readonly tagged: ReadonlySet<string>;
  /** Ids and ARNs of what still lists but is gone or going; the tagging API keeps returning those a while. */
  readonly leaving: Set<string>;
}

export interface Lister {
  /** The calls it makes, for the error line when one fails. */
  readonly what: string;
  readonly list: (ctx: ListerContext) => Promise<Residual[]>;
}

/** `service:resource` of an ARN, partition, region and account aside; log groups without their `:*`. */
export function arnKey(arn: string): string {
  const m = /^arn:[^:]*:([^:]*):[^:]*:[^:]*:(.*)$/.exec(arn);
  return m ? `${m[1]}:${m[2].replace(/:\*$/, "")}` : arn;
}

/** Exactly this app's and env's tags (app mode), or anything (account mode). */
export function isOurs(ctx: ListerContext, tags: Tags): boolean {
  if (ctx.scope.mode === "account") return true;
  return (
    !!tags?.some((t) => t.Key === "app" && t.Value === ctx.scope.app) && !!tags?.some((t) => t.Key === "env" && t.Value === ctx.scope.env)
  );
}

const taggedAs = (ctx: ListerContext, key: string) => ctx.scope.mode === "account" || ctx.tagged.has(key);
const nameTag = (tags: Tags) => tags?.find((t) => t.Key === "Name")?.Value;

/** The only names the stacks give to things that carry no tags. */
export function untaggedNames(scope: Pick<ResidualScope, "app" | "env">): { kmsAlias: string; logGroups: string[] } {
  const ours = `${scope.app}-${scope.env}`;
  // Lambda makes its group itself when a function logs after Terraform deleted it (during destroy).
  return { kmsAlias: `alias/${ours}`, logGroups: ["connection-handler", "results-pusher"].map((fn) => `/aws/lambda/${ours}-${fn}`) };
}

export async function paginate<T>(fetchPage: (token?: string) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    all.push(...page.items);
    token = page.next;
  } while (token);
  return all;
}

/** Everything the tagging API has tagged app=<app>, env=<env>. */
export async function taggedResources(clients: Pick<Clients, "tagging">, app: string, env: string): Promise<ResourceTagMapping[]> {
  return paginate(async (PaginationToken) => {
    const o = await clients.tagging.send(
      new GetResourcesCommand({
        PaginationToken,
        TagFilters: [
          { Key: "app", Values: [app] },
          { Key: "env", Values: [env] },
        ],
      }),
    );
    return { items: o.ResourceTagMappingList ?? [], next: o.PaginationToken || undefined };
  });
}

export const LISTERS: readonly Lister[] = [
  {
    what: "s3 ListBuckets",
    async list(ctx) {
      const out = await ctx.clients.s3.send(new ListBucketsCommand({}));
      return (out.Buckets ?? [])
        .filter((b) => b.Name !== ctx.scope.stateBucket && taggedAs(ctx, `s3:${b.Name}`))
        .map((b) => ({ service: "s3", kind: "bucket", id: b.Name!, arn: `arn:aws:s3:::${b.Name}` }));
    },
  },
  {
    what: "ecr DescribeRepositories/DescribeImages",
    async list(ctx) {
      const { ecr } = ctx.clients;
      const repos = await paginate(async (nextToken) => {
        const o = await ecr.send(new DescribeRepositoriesCommand({ nextToken }));
        return { items: o.repositories ?? [], next: o.nextToken };
      });
      const out: Residual[] = [];
      for (const repo of repos) {
        if (ctx.scope.mode === "app" && !isOurs(ctx, (await ecr.send(new EcrListTags({ resourceArn: repo.repositoryArn }))).tags)) continue;
        out.push({ service: "ecr", kind: "repository", id: repo.repositoryName!, arn: repo.repositoryArn });
        // Images cannot be tagged (their tags are versions): they are ours when their repository is.
        const images = await paginate(async (nextToken) => {
          const o = await ecr.send(new DescribeImagesCommand({ repositoryName: repo.repositoryName, nextToken }));
          return { items: o.imageDetails ?? [], next: o.nextToken };
        });
        for (const im of images) {
          const versions = im.imageTags?.length ? im.imageTags.join(",") : "untagged";
          out.push({
            service: "ecr",
            kind: "image",
            id: `${repo.repositoryName}@${im.imageDigest}`,
            detail: `${versions} ${im.imageSizeInBytes ?? 0} bytes`,
            bytes: im.imageSizeInBytes,
          });
        }
      }
      return out;
    },
  },
  {
    what: "dynamodb ListTables",
    async list(ctx) {
      const tables = await paginate(async (ExclusiveStartTableName) => {
        const o = await ctx.clients.ddb.send(new ListTablesCommand({ ExclusiveStartTableName }));
        return { items: o.TableNames ?? [], next: o.LastEvaluatedTableName };
      });
      return tables.filter((t) => taggedAs(ctx, `dynamodb:table/${t}`)).map((t) => ({ service: "dynamodb", kind: "table", id: t }));
    },
  },
  {
    what: "kms ListKeys/ListAliases",
    async list(ctx) {
      const { kms } = ctx.clients;
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
      const out: Residual[] = [];
      const ourKeys = new Set<string>();
      for (const k of keys) {
        if (awsManaged.has(k.KeyId)) continue;
        const meta = (await kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata;
        if (!meta || meta.KeyManager === "AWS") continue;
        // A key cannot be deleted at once: a scheduled deletion is as gone as KMS allows.
        if (meta.KeyState === "PendingDeletion" || meta.KeyState === "PendingReplicaDeletion" || meta.DeletionDate) {
          if (meta.Arn) ctx.leaving.add(meta.Arn);
          continue;
        }
        if (!taggedAs(ctx, arnKey(meta.Arn ?? ""))) continue;
        ourKeys.add(meta.KeyId!);
        // Named by its alias, which is how config knows the key (a kept key is matched by it).
        const alias = aliases.find((a) => a.TargetKeyId === meta.KeyId && !a.AliasName?.startsWith("alias/aws/"))?.AliasName;
        out.push({
          service: "kms",
          kind: "key",
          id: meta.KeyId!,
          detail: `${meta.KeyState}: ${meta.Description ?? ""}`,
          arn: meta.Arn,
          ...(alias && { name: alias }),
        });
      }
      // Aliases cannot be tagged: ours is the one exact name, or one pointing at a key of ours.
      const exact = untaggedNames(ctx.scope).kmsAlias;
      for (const a of aliases) {
        if (a.AliasName?.startsWith("alias/aws/")) continue;
        if (ctx.scope.mode === "account" || a.AliasName === exact || ourKeys.has(a.TargetKeyId ?? ""))
          out.push({ service: "kms", kind: "alias", id: a.AliasName!, detail: a.TargetKeyId });
      }
      return out;
    },
  },
  {
    what: "secretsmanager ListSecrets",
    async list(ctx) {
      const secrets = await paginate(async (NextToken) => {
        const o = await ctx.clients.sm.send(new ListSecretsCommand({ NextToken, IncludePlannedDeletion: true }));
        return { items: o.SecretList ?? [], next: o.NextToken };
      });
      const out: Residual[] = [];
      for (const s of secrets) {
        if (s.DeletedDate) {
          if (s.ARN) ctx.leaving.add(s.ARN);
          continue;
        }
        if (isOurs(ctx, s.Tags)) out.push({ service: "secretsmanager", kind: "secret", id: s.Name!, arn: s.ARN });
      }
      return out;
    },
  },
  {
    what: "ec2 DescribeVolumes",
    async list(ctx) {
      const vols = await paginate(async (NextToken) => {
        const o = await ctx.clients.ec2.send(new DescribeVolumesCommand({ NextToken }));
        return { items: o.Volumes ?? [], next: o.NextToken };
      });
      return vols
        .filter((v) => v.State !== "deleted" && isOurs(ctx, v.Tags))
        .map((v) => ({
          service: "ec2",
          kind: "volume",
          id: v.VolumeId!,
          detail: `${v.State} ${v.Size} GiB ${nameTag(v.Tags) ?? ""}`.trim(),
          sizeGiB: v.Size,
          name: nameTag(v.Tags),
        }));
    },
  },
  {
    what: "ec2 DescribeSnapshots",
    async list(ctx) {
      // Only our own snapshots: public and AWS-owned ones are not ours to pay for. DLM copies the volume's tags onto each.
      const snaps = await paginate(async (NextToken) => {
        const o = await ctx.clients.ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"], NextToken }));
        return { items: o.Snapshots ?? [], next: o.NextToken };
      });
      return snaps
        .filter((sn) => isOurs(ctx, sn.Tags))
        .map((sn) => ({
          service: "ec2",
          kind: "snapshot",
          id: sn.SnapshotId!,
          detail: `${sn.State} ${sn.VolumeSize} GiB of ${sn.VolumeId ?? "?"} ${nameTag(sn.Tags) ?? ""}`.trim(),
          sizeGiB: sn.VolumeSize,
          name: nameTag(sn.Tags),
        }));
    },
  },
  {
    what: "ec2 DescribeVpcs/DescribeInternetGateways/DescribeSecurityGroups",
    async list(ctx) {
      const { ec2 } = ctx.clients;
      const out: Residual[] = [];
      const vpcs = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? [];
      for (const v of vpcs)
        if (!v.IsDefault && isOurs(ctx, v.Tags))
          out.push({ service: "ec2", kind: "vpc", id: v.VpcId!, detail: `${v.CidrBlock} ${nameTag(v.Tags) ?? ""}`.trim() });
      const defaults = new Set(vpcs.filter((v) => v.IsDefault).map((v) => v.VpcId));
      for (const g of (await ec2.send(new DescribeInternetGatewaysCommand({}))).InternetGateways ?? []) {
        if (g.Attachments?.some((a) => defaults.has(a.VpcId))) continue;
        if (isOurs(ctx, g.Tags)) out.push({ service: "ec2", kind: "internet-gateway", id: g.InternetGatewayId!, detail: nameTag(g.Tags) });
      }
      for (const g of (await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? []) {
        if (defaults.has(g.VpcId) || g.GroupName === "default") continue;
        if (isOurs(ctx, g.Tags))
          out.push({ service: "ec2", kind: "security-group", id: g.GroupId!, detail: `${g.GroupName} in ${g.VpcId}` });
      }
      return out;
    },
  },
  {
    what: "ec2 DescribeNatGateways",
    async list(ctx) {
      const out: Residual[] = [];
      for (const n of (await ctx.clients.ec2.send(new DescribeNatGatewaysCommand({}))).NatGateways ?? []) {
        if (n.State === "deleted") ctx.leaving.add(n.NatGatewayId!);
        else if (isOurs(ctx, n.Tags)) out.push({ service: "ec2", kind: "nat-gateway", id: n.NatGatewayId!, detail: n.State });
      }
      return out;
    },
  },
  {
    what: "ec2 DescribeAddresses",
    async list(ctx) {
      return ((await ctx.clients.ec2.send(new DescribeAddressesCommand({}))).Addresses ?? [])
        .filter((a) => isOurs(ctx, a.Tags))
        .map((a) => ({ service: "ec2", kind: "elastic-ip", id: a.AllocationId ?? a.PublicIp!, detail: a.PublicIp }));
    },
  },
  {
    what: "ec2 DescribeNetworkInterfaces",
    async list(ctx) {
      const { ec2 } = ctx.clients;
      // A NAT gateway's own interface goes with it (AWS removes it; moto leaves it behind).
      const natInterfaces = new Set(
        ((await ec2.send(new DescribeNatGatewaysCommand({}))).NatGateways ?? [])
          .filter((n) => n.State === "deleted")
          .flatMap((n) => (n.NatGatewayAddresses ?? []).map((a) => a.NetworkInterfaceId)),
      );
      // Terminated instances stay listed (and tagged) for about an hour; their primary interface
      // goes with them in AWS, while moto keeps it "in-use".
      const terminated = (
        (
          await ec2.send(
            new DescribeInstancesCommand({ Filters: [{ Name: "instance-state-name", Values: ["shutting-down", "terminated"] }] }),
          )
        ).Reservations ?? []
      ).flatMap((r) => r.Instances ?? []);
      for (const i of terminated) ctx.leaving.add(i.InstanceId!);
      const instanceInterfaces = new Set(terminated.flatMap((i) => (i.NetworkInterfaces ?? []).map((n) => n.NetworkInterfaceId)));
      // Lambda and ECS interfaces carry no tags: any interface in a VPC tagged as ours counts too.
      const ourVpcs = new Set(
        ctx.scope.mode === "app"
          ? ((await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? [])
              .filter((v) => !v.IsDefault && isOurs(ctx, v.Tags))
              .map((v) => v.VpcId)
          : [],
      );
      return ((await ec2.send(new DescribeNetworkInterfacesCommand({}))).NetworkInterfaces ?? [])
        .filter((n) => !natInterfaces.has(n.NetworkInterfaceId) && !instanceInterfaces.has(n.NetworkInterfaceId))
        .filter((n) => isOurs(ctx, n.TagSet) || ourVpcs.has(n.VpcId))
        .map((n) => ({
          service: "ec2",
          kind: "network-interface",
          id: n.NetworkInterfaceId!,
          detail: `${n.Status} ${n.Description ?? ""}`.trim(),
        }));
    },
  },
  {
    what: "ec2 DescribeVpcEndpoints",
    async list(ctx) {
      return ((await ctx.clients.ec2.send(new DescribeVpcEndpointsCommand({}))).VpcEndpoints ?? [])
        .filter((e) => e.State?.toLowerCase() !== "deleted" && isOurs(ctx, e.Tags))
        .map((e) => ({ service: "ec2", kind: "vpc-endpoint", id: e.VpcEndpointId!, detail: e.ServiceName }));
    },
  },
  {
    what: "ec2 DescribeFlowLogs",
    async list(ctx) {
      return ((await ctx.clients.ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs ?? [])
        .filter((f) => isOurs(ctx, f.Tags))
        .map((f) => ({ service: "ec2", kind: "flow-log", id: f.FlowLogId!, detail: f.LogGroupName }));
    },
  },
  {
    what: "efs DescribeFileSystems/DescribeAccessPoints",
    async list(ctx) {
      const { efs } = ctx.clients;
      const fss = await paginate(async (Marker) => {
        const o = await efs.send(new DescribeFileSystemsCommand({ Marker }));
        return { items: o.FileSystems ?? [], next: o.NextMarker };
      });
      const live = fss.filter((f) => f.LifeCycleState !== "deleted");
      const out: Residual[] = live
        .filter((f) => isOurs(ctx, f.Tags))
        .map((f) => ({ service: "efs", kind: "file-system", id: f.FileSystemId!, detail: `${f.LifeCycleState} ${f.Name ?? ""}`.trim() }));
      // Access points live and die with their file system, but can be left on a kept one.
      for (const f of live) {
        const points = await paginate(async (NextToken) => {
          const o = await efs.send(new DescribeAccessPointsCommand({ FileSystemId: f.FileSystemId, NextToken }));
          return { items: o.AccessPoints ?? [], next: o.NextToken };
        });
        for (const p of points) {
          if (p.LifeCycleState === "deleted" || !isOurs(ctx, p.Tags)) continue;
          out.push({
            service: "efs",
            kind: "access-point",
            id: p.AccessPointId!,
            detail: `of ${f.FileSystemId} ${nameTag(p.Tags) ?? ""}`.trim(),
            arn: p.AccessPointArn,
            name: nameTag(p.Tags),
          });
        }
      }
      return out;
    },
  },
  {
    what: "iam ListRoles/ListPolicies",
    async list(ctx) {
      const { iam } = ctx.clients;
      // IAM is global and outside the tagging API: each role's and policy's own tags decide. Only
      // names of our `<app>-<env>-` form are asked about, to keep the calls few (and, in account
      // mode, to leave the account's own and service-linked roles out); the tags decide.
      const candidate = (name: string | undefined) => (name ?? "").startsWith(`${ctx.scope.app}-${ctx.scope.env}-`);
      const roles = await paginate(async (Marker) => {
        const o = await iam.send(new ListRolesCommand({ Marker }));
        return { items: o.Roles ?? [], next: o.IsTruncated ? o.Marker : undefined };
      });
      const out: Residual[] = [];
      for (const r of roles.filter((x) => candidate(x.RoleName))) {
        if (ctx.scope.mode === "account" || isOurs(ctx, (await iam.send(new ListRoleTagsCommand({ RoleName: r.RoleName }))).Tags))
          out.push({ service: "iam", kind: "role", id: r.RoleName! });
      }
      const policies = await paginate(async (Marker) => {
        const o = await iam.send(new ListPoliciesCommand({ Scope: "Local", Marker }));
        return { items: o.Policies ?? [], next: o.IsTruncated ? o.Marker : undefined };
      });
      for (const p of policies.filter((x) => candidate(x.PolicyName))) {
        if (ctx.scope.mode === "account" || isOurs(ctx, (await iam.send(new ListPolicyTagsCommand({ PolicyArn: p.Arn }))).Tags))
          out.push({ service: "iam", kind: "policy", id: p.PolicyName! });
      }
      return out;
    },
  },
  {
    what: "logs DescribeLogGroups",
    async list(ctx) {
      const groups = await paginate(async (nextToken) => {
        const o = await ctx.clients.logs.send(new DescribeLogGroupsCommand({ nextToken }));
        return { items: o.logGroups ?? [], next: o.nextToken };
      });
      const exact = new Set(untaggedNames(ctx.scope).logGroups);
      return groups
        .filter((g) => exact.has(g.logGroupName ?? "") || taggedAs(ctx, `logs:log-group:${g.logGroupName}`))
        .map((g) => ({ service: "logs", kind: "log-group", id: g.logGroupName!, ...(g.arn && { arn: g.arn }) }));
    },
  },
  {
    what: "kinesis ListStreams/ListTagsForStream",
    async list(ctx) {
      const streams = await paginate(async (ExclusiveStartStreamName) => {
        const o = (await ctx.clients.kinesis("ListStreams", ExclusiveStartStreamName ? { ExclusiveStartStreamName } : {})) as {
          StreamNames?: string[];
          HasMoreStreams?: boolean;
        };
        const names = o.StreamNames ?? [];
        return { items: names, next: o.HasMoreStreams ? names[names.length - 1] : undefined };
      });
      const out: Residual[] = [];
      for (const s of streams) {
        if (
          ctx.scope.mode === "app" &&
          !isOurs(ctx, ((await ctx.clients.kinesis("ListTagsForStream", { StreamName: s })) as { Tags?: Tags }).Tags)
        )
          continue;
        out.push({ service: "kinesis", kind: "stream", id: s });
      }
      return out;
    },
  },
  {
    what: "ecs ListClusters/DescribeClusters",
    async list(ctx) {
      const { ecs } = ctx.clients;
      const arns = await paginate(async (nextToken) => {
        const o = await ecs.send(new ListClustersCommand({ nextToken }));
        return { items: o.clusterArns ?? [], next: o.nextToken };
      });
      const out: Residual[] = [];
      for (let i = 0; i < arns.length; i += 100) {
        const described = await ecs.send(new DescribeClustersCommand({ clusters: arns.slice(i, i + 100), include: ["TAGS"] }));
        for (const c of described.clusters ?? []) {
          if (c.status !== "ACTIVE") {
            if (c.clusterArn) ctx.leaving.add(c.clusterArn);
            continue;
          }
          if (
            isOurs(
              ctx,
              c.tags?.map((t) => ({ Key: t.key, Value: t.value })),
            )
          )
            out.push({ service: "ecs", kind: "cluster", id: c.clusterName!, arn: c.clusterArn });
        }
      }
      return out;
    },
  },
  {
    what: "servicediscovery ListNamespaces/ListTagsForResource",
    async list(ctx) {
      const { sd } = ctx.clients;
      const namespaces = await paginate(async (NextToken) => {
        const o = await sd.send(new ListNamespacesCommand({ NextToken }));
        return { items: o.Namespaces ?? [], next: o.NextToken };
      });
      const out: Residual[] = [];
      for (const n of namespaces) {
        if (ctx.scope.mode === "app" && !isOurs(ctx, (await sd.send(new SdListTags({ ResourceARN: n.Arn }))).Tags)) continue;
        out.push({ service: "servicediscovery", kind: "namespace", id: n.Name!, detail: n.Id, arn: n.Arn });
      }
      return out;
    },
  },
];

// ---- Kinesis over JSON 1.1, signed ----

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

export type CredentialSource = () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>;

/** A Kinesis JSON 1.1 caller for `Clients.kinesis`. */
export function kinesisJson(credentials: CredentialSource, region: string, endpoint?: string): Clients["kinesis"] {
  const url = new URL(endpoint ? `${endpoint}/` : `https://kinesis.${region}.amazonaws.com/`);
  return async (action, body) => {
    const signer = new SignatureV4({ service: "kinesis", region, credentials, sha256: NodeSha256 });
    const text = JSON.stringify(body);
    const headers = { host: url.host, "content-type": "application/x-amz-json-1.1", "x-amz-target": `Kinesis_20131202.${action}` };
    const signed = await signer.sign({
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: {},
      headers,
      body: text,
    });
    const res = await fetch(url, { method: "POST", headers: signed.headers, body: text, signal: AbortSignal.timeout(30_000) });
    const answer = await res.text();
    if (!res.ok) throw new Error(`kinesis ${action}: HTTP ${res.status} ${answer.slice(0, 200)}`);
    return JSON.parse(answer) as Record<string, unknown>;
  };
}

/**
 * Each residuals lister on its own, against stand-in clients answering as the AWS APIs do: ours
 * (streamlines/dev) is reported, the look-alikes of other envs and apps are not.
 */
import { Clients, LISTERS, Lister, ListerContext, arnKey, untaggedNames } from "../../scripts/lib/residual-listers";
import { Residual, ResidualScope, listResiduals } from "../../scripts/lib/residuals";

type Answers = Record<string, (input: Record<string, unknown>) => unknown>;

/** A client whose `send` answers each command by its class name; an unexpected call fails the test. */
const stub = (answers: Answers) => ({
  send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const answer = answers[command.constructor.name];
    if (!answer) throw new Error(`unexpected ${command.constructor.name}`);
    return answer(command.input);
  },
});

const scope: ResidualScope = { app: "streamlines", env: "dev", region: "eu-central-1", stateBucket: "streamlines-tfstate", mode: "app" };
const tagsOf = (app: string, env: string) => [
  { Key: "app", Value: app },
  { Key: "env", Value: env },
];
const OURS = tagsOf("streamlines", "dev");
const LOOK_ALIKES = {
  "streamlines-dev2": tagsOf("streamlines", "dev2"),
  "streamlines-dev-eu": tagsOf("streamlines", "dev-eu"),
  "tickers-dev": tagsOf("tickers", "dev"),
};
const all = { "streamlines-dev": OURS, ...LOOK_ALIKES };
const arn = (service: string, resource: string) => `arn:aws:${service}:eu-central-1:111122223333:${resource}`;

function context(clients: Partial<Clients>, tagged: string[] = []): ListerContext {
  return { scope, clients: clients as Clients, tagged: new Set(tagged.map(arnKey)), leaving: new Set() };
}

const lister = (what: string): Lister => {
  const found = LISTERS.find((l) => l.what.startsWith(what));
  if (!found) throw new Error(`no lister ${what}`);
  return found;
};
const ids = (rs: Residual[]) => rs.map((r) => `${r.kind} ${r.id}`);

test("every lister has a test below", () => {
  expect(LISTERS.map((l) => l.what.split(" ")[0] + " " + l.what.split(" ")[1].split("/")[0])).toEqual([
    "s3 ListBuckets",
    "ecr DescribeRepositories",
    "dynamodb ListTables",
    "kms ListKeys",
    "secretsmanager ListSecrets",
    "ec2 DescribeVolumes",
    "ec2 DescribeSnapshots",
    "ec2 DescribeVpcs",
    "ec2 DescribeNatGateways",
    "ec2 DescribeAddresses",
    "ec2 DescribeNetworkInterfaces",
    "ec2 DescribeVpcEndpoints",
    "ec2 DescribeFlowLogs",
    "efs DescribeFileSystems",
    "iam ListRoles",
    "logs DescribeLogGroups",
    "kinesis ListStreams",
    "ecs ListClusters",
    "servicediscovery ListNamespaces",
  ]);
});

test("s3: the tagging API's buckets, never the state bucket", async () => {
  const s3 = stub({
    ListBucketsCommand: () => ({
      Buckets: [...Object.keys(all).map((n) => `${n}-artifacts`), "streamlines-tfstate"].map((Name) => ({ Name })),
    }),
  });
  const tagged = ["arn:aws:s3:::streamlines-dev-artifacts", "arn:aws:s3:::streamlines-tfstate"];
  expect(ids(await lister("s3").list(context({ s3 } as never, tagged)))).toEqual(["bucket streamlines-dev-artifacts"]);
});

test("ecr: repositories tagged ours, with their images", async () => {
  const ecr = stub({
    DescribeRepositoriesCommand: () => ({
      repositories: Object.keys(all).map((n) => ({ repositoryName: `${n}-ingest`, repositoryArn: arn("ecr", `repository/${n}-ingest`) })),
    }),
    ListTagsForResourceCommand: (i) => ({
      tags: Object.entries(all).find(([n]) => i.resourceArn === arn("ecr", `repository/${n}-ingest`))![1],
    }),
    DescribeImagesCommand: () => ({ imageDetails: [{ imageDigest: "sha256:1", imageTags: ["v1"], imageSizeInBytes: 10 }] }),
  });
  expect(ids(await lister("ecr").list(context({ ecr } as never)))).toEqual([
    "repository streamlines-dev-ingest",
    "image streamlines-dev-ingest@sha256:1",
  ]);
});

test("dynamodb: tables the tagging API has tagged ours", async () => {
  const ddb = stub({ ListTablesCommand: () => ({ TableNames: Object.keys(all).map((n) => `${n}-connections`) }) });
  expect(ids(await lister("dynamodb").list(context({ ddb } as never, [arn("dynamodb", "table/streamlines-dev-connections")])))).toEqual([
    "table streamlines-dev-connections",
  ]);
});

test("kms: keys tagged ours, the exact alias and aliases of our keys; not another env's alias, not a key pending deletion", async () => {
  const keys = ["k-ours", "k-dev2", "k-gone"];
  const kms = stub({
    ListAliasesCommand: () => ({
      Aliases: [
        { AliasName: "alias/streamlines-dev", TargetKeyId: "k-ours" },
        { AliasName: "alias/streamlines-dev2", TargetKeyId: "k-dev2" },
        { AliasName: "alias/aws/s3", TargetKeyId: "k-aws" },
      ],
    }),
    ListKeysCommand: () => ({ Keys: [...keys, "k-aws"].map((KeyId) => ({ KeyId })) }),
    DescribeKeyCommand: (i) => ({
      KeyMetadata: {
        KeyId: i.KeyId,
        Arn: arn("kms", `key/${i.KeyId}`),
        KeyState: i.KeyId === "k-gone" ? "PendingDeletion" : "Enabled",
        KeyManager: "CUSTOMER",
      },
    }),
  });
  const ctx = context({ kms } as never, [arn("kms", "key/k-ours"), arn("kms", "key/k-gone")]);
  expect(ids(await lister("kms").list(ctx))).toEqual(["key k-ours", "alias alias/streamlines-dev"]);
  expect(ctx.leaving.has(arn("kms", "key/k-gone"))).toBe(true);
  expect(untaggedNames(scope).kmsAlias).toBe("alias/streamlines-dev");
});

test("secretsmanager: secrets tagged ours; a deleted one is leaving", async () => {
  const sm = stub({
    ListSecretsCommand: () => ({
      SecretList: [
        ...Object.entries(all).map(([n, Tags]) => ({ Name: `${n}/influx-admin-token`, ARN: arn("secretsmanager", `secret:${n}`), Tags })),
        { Name: "streamlines-dev/old", ARN: "gone", Tags: OURS, DeletedDate: new Date() },
      ],
    }),
  });
  const ctx = context({ sm } as never);
  expect(ids(await lister("secretsmanager").list(ctx))).toEqual(["secret streamlines-dev/influx-admin-token"]);
  expect(ctx.leaving.has("gone")).toBe(true);
});

describe("ec2", () => {
  const each = <T>(make: (name: string, tags: typeof OURS) => T) => Object.entries(all).map(([n, t]) => make(n, t));

  test("volumes and snapshots by their tags", async () => {
    const ec2 = stub({
      DescribeVolumesCommand: () => ({ Volumes: each((n, Tags) => ({ VolumeId: `vol-${n}`, State: "available", Size: 1, Tags })) }),
      DescribeSnapshotsCommand: () => ({
        Snapshots: each((n, Tags) => ({ SnapshotId: `snap-${n}`, Tags: [...Tags, { Key: "Name", Value: "streamlines-dev-influx-data" }] })),
      }),
    });
    expect(ids(await lister("ec2 DescribeVolumes").list(context({ ec2 } as never)))).toEqual(["volume vol-streamlines-dev"]);
    expect(ids(await lister("ec2 DescribeSnapshots").list(context({ ec2 } as never)))).toEqual(["snapshot snap-streamlines-dev"]);
  });

  test("vpcs, gateways and groups; nat gateways, addresses, endpoints and flow logs by their tags", async () => {
    const ec2 = stub({
      DescribeVpcsCommand: () => ({ Vpcs: each((n, Tags) => ({ VpcId: `vpc-${n}`, Tags })) }),
      DescribeInternetGatewaysCommand: () => ({ InternetGateways: each((n, Tags) => ({ InternetGatewayId: `igw-${n}`, Tags })) }),
      DescribeSecurityGroupsCommand: () => ({
        SecurityGroups: each((n, Tags) => ({ GroupId: `sg-${n}`, GroupName: n, VpcId: `vpc-${n}`, Tags })),
      }),
      DescribeNatGatewaysCommand: () => ({ NatGateways: each((n, Tags) => ({ NatGatewayId: `nat-${n}`, State: "available", Tags })) }),
      DescribeAddressesCommand: () => ({ Addresses: each((n, Tags) => ({ AllocationId: `eipalloc-${n}`, Tags })) }),
      DescribeVpcEndpointsCommand: () => ({ VpcEndpoints: each((n, Tags) => ({ VpcEndpointId: `vpce-${n}`, State: "available", Tags })) }),
      DescribeFlowLogsCommand: () => ({ FlowLogs: each((n, Tags) => ({ FlowLogId: `fl-${n}`, Tags })) }),
    });
    const ctx = context({ ec2 } as never);
    expect(ids(await lister("ec2 DescribeVpcs").list(ctx))).toEqual([
      "vpc vpc-streamlines-dev",
      "internet-gateway igw-streamlines-dev",
      "security-group sg-streamlines-dev",
    ]);
    expect(ids(await lister("ec2 DescribeNatGateways").list(ctx))).toEqual(["nat-gateway nat-streamlines-dev"]);
    expect(ids(await lister("ec2 DescribeAddresses").list(ctx))).toEqual(["elastic-ip eipalloc-streamlines-dev"]);
    expect(ids(await lister("ec2 DescribeVpcEndpoints").list(ctx))).toEqual(["vpc-endpoint vpce-streamlines-dev"]);
    expect(ids(await lister("ec2 DescribeFlowLogs").list(ctx))).toEqual(["flow-log fl-streamlines-dev"]);
  });

  test("network interfaces: tagged ours, or untagged in a VPC tagged ours", async () => {
    const ec2 = stub({
      DescribeNatGatewaysCommand: () => ({ NatGateways: [] }),
      DescribeInstancesCommand: () => ({ Reservations: [] }),
      DescribeVpcsCommand: () => ({ Vpcs: each((n, Tags) => ({ VpcId: `vpc-${n}`, Tags })) }),
      DescribeNetworkInterfacesCommand: () => ({
        NetworkInterfaces: [
          ...each((n) => ({ NetworkInterfaceId: `eni-lambda-${n}`, VpcId: `vpc-${n}` })),
          ...each((n, TagSet) => ({ NetworkInterfaceId: `eni-${n}`, TagSet })),
        ],
      }),
    });
    expect(ids(await lister("ec2 DescribeNetworkInterfaces").list(context({ ec2 } as never)))).toEqual([
      "network-interface eni-lambda-streamlines-dev",
      "network-interface eni-streamlines-dev",
    ]);
  });
});

test("efs: file systems and access points by their tags", async () => {
  const efs = stub({
    DescribeFileSystemsCommand: () => ({
      FileSystems: Object.entries(all).map(([n, Tags]) => ({ FileSystemId: `fs-${n}`, LifeCycleState: "available", Tags })),
    }),
    DescribeAccessPointsCommand: (i) => ({
      AccessPoints: [
        {
          AccessPointId: `ap-${i.FileSystemId}`,
          LifeCycleState: "available",
          Tags: Object.entries(all).find(([n]) => i.FileSystemId === `fs-${n}`)![1],
        },
      ],
    }),
  });
  expect(ids(await lister("efs").list(context({ efs } as never)))).toEqual([
    "file-system fs-streamlines-dev",
    "access-point ap-fs-streamlines-dev",
  ]);
});

test("iam: roles and policies whose own tags are ours; streamlines-dev-eu-* (named like ours) is not", async () => {
  const tagsByName = (name: unknown) =>
    Object.entries(all).find(
      ([n]) => String(name).startsWith(`${n}-`) && !Object.keys(all).some((m) => m.length > n.length && String(name).startsWith(`${m}-`)),
    )![1];
  const iam = stub({
    ListRolesCommand: () => ({ Roles: Object.keys(all).map((n) => ({ RoleName: `${n}-ingest` })) }),
    ListRoleTagsCommand: (i) => ({ Tags: tagsByName(i.RoleName) }),
    ListPoliciesCommand: () => ({
      Policies: Object.keys(all).map((n) => ({ PolicyName: `${n}-read`, Arn: `arn:aws:iam::1:policy/${n}-read` })),
    }),
    ListPolicyTagsCommand: (i) => ({ Tags: tagsByName(String(i.PolicyArn).split("/").pop()) }),
  });
  expect(ids(await lister("iam").list(context({ iam } as never)))).toEqual(["role streamlines-dev-ingest", "policy streamlines-dev-read"]);
});

test("logs: groups tagged ours, and Lambda's own untagged groups by their exact names only", async () => {
  const names = [
    ...Object.keys(all).map((n) => `/aws/lambda/${n}-results-pusher`),
    "/streamlines/dev/vpc-flow-logs",
    "/streamlines/dev2/vpc-flow-logs",
    "/aws/lambda/streamlines-dev-results-pusher-v2",
  ];
  const logs = stub({
    DescribeLogGroupsCommand: () => ({
      logGroups: names.map((logGroupName) => ({ logGroupName, arn: arn("logs", `log-group:${logGroupName}:*`) })),
    }),
  });
  const ctx = context({ logs } as never, [arn("logs", "log-group:/streamlines/dev/vpc-flow-logs")]);
  expect(ids(await lister("logs").list(ctx))).toEqual([
    "log-group /aws/lambda/streamlines-dev-results-pusher",
    "log-group /streamlines/dev/vpc-flow-logs",
  ]);
});

test("kinesis: streams whose tags are ours", async () => {
  const kinesis = async (action: string, body: Record<string, unknown>) =>
    action === "ListStreams"
      ? { StreamNames: Object.keys(all).map((n) => `${n}-downstream`), HasMoreStreams: false }
      : { Tags: Object.entries(all).find(([n]) => body.StreamName === `${n}-downstream`)![1] };
  expect(ids(await lister("kinesis").list(context({ kinesis } as never)))).toEqual(["stream streamlines-dev-downstream"]);
});

test("ecs: active clusters whose tags are ours; an inactive one is leaving", async () => {
  const ecs = stub({
    ListClustersCommand: () => ({ clusterArns: [...Object.keys(all), "streamlines-dev-old"].map((n) => arn("ecs", `cluster/${n}`)) }),
    DescribeClustersCommand: (i) => {
      expect(i.include).toEqual(["TAGS"]);
      return {
        clusters: [
          ...Object.entries(all).map(([n, t]) => ({
            clusterName: n,
            clusterArn: arn("ecs", `cluster/${n}`),
            status: "ACTIVE",
            tags: t.map((x) => ({ key: x.Key, value: x.Value })),
          })),
          { clusterName: "streamlines-dev-old", clusterArn: arn("ecs", "cluster/streamlines-dev-old"), status: "INACTIVE", tags: [] },
        ],
      };
    },
  });
  const ctx = context({ ecs } as never);
  expect(ids(await lister("ecs").list(ctx))).toEqual(["cluster streamlines-dev"]);
  expect(ctx.leaving.has(arn("ecs", "cluster/streamlines-dev-old"))).toBe(true);
});

test("servicediscovery: namespaces whose tags are ours", async () => {
  const sd = stub({
    ListNamespacesCommand: () => ({
      Namespaces: Object.keys(all).map((n) => ({
        Name: `${n}.internal`,
        Id: `ns-${n}`,
        Arn: arn("servicediscovery", `namespace/ns-${n}`),
      })),
    }),
    ListTagsForResourceCommand: (i) => ({
      Tags: Object.entries(all).find(([n]) => i.ResourceARN === arn("servicediscovery", `namespace/ns-${n}`))![1],
    }),
  });
  expect(ids(await lister("servicediscovery").list(context({ sd } as never)))).toEqual(["namespace streamlines-dev.internal"]);
});

test("listResiduals: the tagging API's filter is exactly app and env; what only it sees is reported once; a failing lister is an error line", async () => {
  let filters: unknown;
  const tagging = stub({
    GetResourcesCommand: (i) => {
      filters = i.TagFilters;
      return {
        ResourceTagMappingList: [
          { ResourceARN: arn("sqs", "streamlines-dev-dlq"), Tags: [...OURS, { Key: "stack", Value: "core" }] },
          { ResourceARN: "arn:aws:s3:::streamlines-dev-artifacts", Tags: OURS },
        ],
      };
    },
  });
  const s3 = stub({ ListBucketsCommand: () => ({ Buckets: [{ Name: "streamlines-dev-artifacts" }] }) });
  const failing: Lister = {
    what: "x Broken",
    list: async () => Promise.reject(Object.assign(new Error("denied"), { name: "AccessDenied" })),
  };
  const report = await listResiduals(scope, [lister("s3"), failing], { tagging, s3, ecs: stub({}) } as never);
  expect(filters).toEqual([
    { Key: "app", Values: ["streamlines"] },
    { Key: "env", Values: ["dev"] },
  ]);
  expect(ids([...report.residuals])).toEqual(["bucket streamlines-dev-artifacts", `resource ${arn("sqs", "streamlines-dev-dlq")}`]);
  expect(report.errors).toEqual(["x Broken: AccessDenied: denied"]);
});

/**
 * The bench's reference workload: the same four stacks at about our sizes (foundations 32 resources,
 * core 144, influx 12, edge 10, with their IAM policy documents as data sources), written the common
 * slow way: the provider's package root imported, run through tsx, the Lambdas bundled with a
 * synchronous esbuild run per function and zipped by cdktf's archive asset on every synth.
 * It is only ever synthesized by `npm run bench`, never deployed; it is not type checked with the app.
 */
import * as path from "path";
import * as fs from "fs";
import { buildSync } from "esbuild";
// eslint-disable-next-line no-restricted-imports -- the reference imports the root on purpose: that is the slow way it measures
import * as aws from "@cdktf/provider-aws";
import { App, AssetType, Fn, S3Backend, TerraformAsset, TerraformStack } from "cdktf";
import { Construct } from "constructs";

const ROOT = path.resolve(__dirname, "..", "..");
const NAME = "reference-bench";

class BaseStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new aws.provider.AwsProvider(this, "aws", { region: "eu-north-1", defaultTags: [{ tags: { app: NAME, stack: id } }] });
    new S3Backend(this, { bucket: `${NAME}-state`, key: `${id}.tfstate`, region: "eu-north-1", encrypt: true });
  }

  role(id: string, service: string, actions: string[]): aws.iamRole.IamRole {
    const assume = new aws.dataAwsIamPolicyDocument.DataAwsIamPolicyDocument(this, `${id}-assume`, {
      statement: [{ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: [service] }] }],
    });
    const role = new aws.iamRole.IamRole(this, `${id}-role`, { name: `${NAME}-${id}`, assumeRolePolicy: assume.json });
    const policy = new aws.dataAwsIamPolicyDocument.DataAwsIamPolicyDocument(this, `${id}-policy-doc`, {
      statement: [{ actions, resources: ["*"] }],
    });
    new aws.iamRolePolicy.IamRolePolicy(this, `${id}-policy`, { role: role.name, policy: policy.json });
    return role;
  }
}

class Foundations extends BaseStack {
  readonly bucket: aws.s3Bucket.S3Bucket;
  readonly key: aws.kmsKey.KmsKey;
  constructor(scope: Construct) {
    super(scope, "foundations");
    this.key = new aws.kmsKey.KmsKey(this, "key", { enableKeyRotation: true, deletionWindowInDays: 30 });
    new aws.kmsAlias.KmsAlias(this, "alias", { name: `alias/${NAME}`, targetKeyId: this.key.keyId });
    this.bucket = new aws.s3Bucket.S3Bucket(this, "artifacts", { bucket: `${NAME}-artifacts` });
    new aws.s3BucketVersioning.S3BucketVersioningA(this, "versioning", {
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new aws.s3BucketPublicAccessBlock.S3BucketPublicAccessBlock(this, "public", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new aws.s3BucketServerSideEncryptionConfiguration.S3BucketServerSideEncryptionConfigurationA(this, "sse", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.key.arn } }],
    });
    for (const repo of ["backend", "dashboard", "influxdb", "ingest", "ripples", "grafana"]) {
      const r = new aws.ecrRepository.EcrRepository(this, `ecr-${repo}`, {
        name: `${NAME}/${repo}`,
        imageTagMutability: "IMMUTABLE",
        encryptionConfiguration: [{ encryptionType: "KMS", kmsKey: this.key.arn }],
      });
      new aws.ecrLifecyclePolicy.EcrLifecyclePolicy(this, `ecr-${repo}-lifecycle`, {
        repository: r.name,
        policy: JSON.stringify({
          rules: [
            {
              rulePriority: 1,
              selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 20 },
              action: { type: "expire" },
            },
          ],
        }),
      });
    }
    new aws.dynamodbTable.DynamodbTable(this, "connections", {
      name: `${NAME}-connections`,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "pk",
      rangeKey: "sk",
      attribute: [
        { name: "pk", type: "S" },
        { name: "sk", type: "S" },
      ],
      serverSideEncryption: { enabled: true, kmsKeyArn: this.key.arn },
    });
    new aws.ebsVolume.EbsVolume(this, "influx-data", {
      availabilityZone: "eu-north-1a",
      size: 50,
      type: "gp3",
      encrypted: true,
      kmsKeyId: this.key.arn,
    });
    for (const secret of ["influx-admin", "influx-read", "influx-write", "market-data"]) {
      new aws.secretsmanagerSecret.SecretsmanagerSecret(this, `secret-${secret}`, { name: `${NAME}/${secret}`, kmsKeyId: this.key.arn });
    }
    for (let i = 0; i < 6; i++)
      new aws.ssmParameter.SsmParameter(this, `param-${i}`, { name: `/${NAME}/param-${i}`, type: "String", value: String(i) });
    for (let i = 0; i < 2; i++)
      new aws.cloudwatchLogGroup.CloudwatchLogGroup(this, `logs-${i}`, { name: `/${NAME}/foundations-${i}`, retentionInDays: 30 });
  }
}

class Core extends BaseStack {
  constructor(scope: Construct, foundations: Foundations) {
    super(scope, "core");
    const vpc = new aws.vpc.Vpc(this, "vpc", { cidrBlock: "10.40.0.0/16", enableDnsHostnames: true });
    new aws.flowLog.FlowLog(this, "flow", {
      vpcId: vpc.id,
      trafficType: "ALL",
      logDestination: foundations.bucket.arn,
      logDestinationType: "s3",
    });
    const igw = new aws.internetGateway.InternetGateway(this, "igw", { vpcId: vpc.id });
    const subnets = ["a", "b"].flatMap((az, i) => [
      new aws.subnet.Subnet(this, `public-${az}`, { vpcId: vpc.id, cidrBlock: `10.40.${i}.0/24`, availabilityZone: `eu-north-1${az}` }),
      new aws.subnet.Subnet(this, `private-${az}`, {
        vpcId: vpc.id,
        cidrBlock: `10.40.${i + 10}.0/24`,
        availabilityZone: `eu-north-1${az}`,
      }),
    ]);
    const eip = new aws.eip.Eip(this, "nat-ip", { domain: "vpc" });
    const nat = new aws.natGateway.NatGateway(this, "nat", { allocationId: eip.id, subnetId: subnets[0].id });
    const publicRt = new aws.routeTable.RouteTable(this, "public-rt", {
      vpcId: vpc.id,
      route: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
    });
    const privateRt = new aws.routeTable.RouteTable(this, "private-rt", {
      vpcId: vpc.id,
      route: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }],
    });
    subnets.forEach(
      (s, i) =>
        new aws.routeTableAssociation.RouteTableAssociation(this, `rta-${i}`, {
          subnetId: s.id,
          routeTableId: i % 2 ? privateRt.id : publicRt.id,
        }),
    );
    const cluster = new aws.ecsCluster.EcsCluster(this, "cluster", {
      name: NAME,
      setting: [{ name: "containerInsights", value: "enabled" }],
    });
    const namespace = new aws.serviceDiscoveryPrivateDnsNamespace.ServiceDiscoveryPrivateDnsNamespace(this, "ns", {
      name: `${NAME}.local`,
      vpc: vpc.id,
    });
    for (const stream of ["upstream", "downstream"]) {
      new aws.kinesisStream.KinesisStream(this, `stream-${stream}`, {
        name: `${NAME}-${stream}`,
        encryptionType: "KMS",
        kmsKeyId: foundations.key.arn,
        streamModeDetails: { streamMode: "ON_DEMAND" },
      });
    }
    const albSg = new aws.securityGroup.SecurityGroup(this, "alb-sg", { name: `${NAME}-alb`, vpcId: vpc.id });
    new aws.vpcSecurityGroupIngressRule.VpcSecurityGroupIngressRule(this, "alb-in", {
      securityGroupId: albSg.id,
      cidrIpv4: "0.0.0.0/0",
      fromPort: 80,
      toPort: 80,
      ipProtocol: "tcp",
    });
    const alb = new aws.lb.Lb(this, "alb", { name: NAME, securityGroups: [albSg.id], subnets: [subnets[0].id, subnets[2].id] });
    const listener = new aws.lbListener.LbListener(this, "http", {
      loadBalancerArn: alb.arn,
      port: 80,
      protocol: "HTTP",
      defaultAction: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404" } }],
    });

    for (const [i, service] of ["ingest", "ripples", "backend", "dashboard"].entries()) {
      const logs = new aws.cloudwatchLogGroup.CloudwatchLogGroup(this, `${service}-logs`, {
        name: `/ecs/${NAME}/${service}`,
        retentionInDays: 30,
        kmsKeyId: foundations.key.arn,
      });
      const execRole = this.role(`${service}-exec`, "ecs-tasks.amazonaws.com", [
        "ecr:GetAuthorizationToken",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "secretsmanager:GetSecretValue",
      ]);
      const taskRole = this.role(`${service}-task`, "ecs-tasks.amazonaws.com", [
        "kinesis:PutRecord",
        "kinesis:GetRecords",
        "ssmmessages:CreateControlChannel",
      ]);
      const sg = new aws.securityGroup.SecurityGroup(this, `${service}-sg`, { name: `${NAME}-${service}`, vpcId: vpc.id });
      new aws.vpcSecurityGroupEgressRule.VpcSecurityGroupEgressRule(this, `${service}-out`, {
        securityGroupId: sg.id,
        cidrIpv4: "0.0.0.0/0",
        ipProtocol: "-1",
      });
      new aws.vpcSecurityGroupIngressRule.VpcSecurityGroupIngressRule(this, `${service}-in`, {
        securityGroupId: sg.id,
        referencedSecurityGroupId: albSg.id,
        fromPort: 8080,
        toPort: 8080,
        ipProtocol: "tcp",
      });
      const task = new aws.ecsTaskDefinition.EcsTaskDefinition(this, `${service}-task-def`, {
        family: `${NAME}-${service}`,
        cpu: "512",
        memory: "1024",
        networkMode: "awsvpc",
        requiresCompatibilities: ["FARGATE"],
        executionRoleArn: execRole.arn,
        taskRoleArn: taskRole.arn,
        containerDefinitions: Fn.jsonencode([
          {
            name: service,
            image: `${service}:latest`,
            essential: true,
            logConfiguration: {
              logDriver: "awslogs",
              options: { "awslogs-group": logs.name, "awslogs-region": "eu-north-1", "awslogs-stream-prefix": service },
            },
          },
        ]),
      });
      const discovery = new aws.serviceDiscoveryService.ServiceDiscoveryService(this, `${service}-discovery`, {
        name: service,
        dnsConfig: { namespaceId: namespace.id, dnsRecords: [{ ttl: 10, type: "A" }] },
      });
      const tg = new aws.lbTargetGroup.LbTargetGroup(this, `${service}-tg`, {
        name: `${NAME}-${service}`.slice(0, 32),
        port: 8080,
        protocol: "HTTP",
        targetType: "ip",
        vpcId: vpc.id,
        healthCheck: { path: "/health" },
      });
      new aws.lbListenerRule.LbListenerRule(this, `${service}-rule`, {
        listenerArn: listener.arn,
        priority: 10 + i,
        action: [{ type: "forward", targetGroupArn: tg.arn }],
        condition: [{ pathPattern: { values: [`/${service}/*`] } }],
      });
      const svc = new aws.ecsService.EcsService(this, `${service}-service`, {
        name: service,
        cluster: cluster.arn,
        taskDefinition: task.arn,
        desiredCount: 1,
        launchType: "FARGATE",
        networkConfiguration: { subnets: [subnets[1].id, subnets[3].id], securityGroups: [sg.id] },
        serviceRegistries: { registryArn: discovery.arn },
        loadBalancer: [{ targetGroupArn: tg.arn, containerName: service, containerPort: 8080 }],
      });
      const target = new aws.appautoscalingTarget.AppautoscalingTarget(this, `${service}-scaling`, {
        maxCapacity: 4,
        minCapacity: 1,
        resourceId: `service/${NAME}/${service}`,
        scalableDimension: "ecs:service:DesiredCount",
        serviceNamespace: "ecs",
        dependsOn: [svc],
      });
      new aws.appautoscalingPolicy.AppautoscalingPolicy(this, `${service}-cpu`, {
        name: `${NAME}-${service}-cpu`,
        policyType: "TargetTrackingScaling",
        resourceId: target.resourceId,
        scalableDimension: target.scalableDimension,
        serviceNamespace: target.serviceNamespace,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: 60,
          predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
        },
      });
      for (const [j, metric] of ["CPUUtilization", "MemoryUtilization", "RunningTaskCount"].entries()) {
        new aws.cloudwatchMetricAlarm.CloudwatchMetricAlarm(this, `${service}-alarm-${j}`, {
          alarmName: `${NAME}-${service}-${metric}`,
          namespace: "AWS/ECS",
          metricName: metric,
          comparisonOperator: "GreaterThanThreshold",
          threshold: 80,
          evaluationPeriods: 3,
          period: 60,
          statistic: "Average",
        });
      }
      for (let k = 0; k < 2; k++) {
        new aws.schedulerSchedule.SchedulerSchedule(this, `${service}-schedule-${k}`, {
          name: `${NAME}-${service}-${k}`,
          scheduleExpression: "cron(0 21 ? * MON-FRI *)",
          flexibleTimeWindow: { mode: "OFF" },
          target: {
            arn: "arn:aws:scheduler:::aws-sdk:ecs:updateService",
            roleArn: taskRole.arn,
            input: JSON.stringify({ Cluster: NAME, Service: service, DesiredCount: k }),
          },
        });
      }
    }

    const api = new aws.apigatewayv2Api.Apigatewayv2Api(this, "ws", {
      name: `${NAME}-ws`,
      protocolType: "WEBSOCKET",
      routeSelectionExpression: "$request.body.action",
    });
    new aws.apigatewayv2Stage.Apigatewayv2Stage(this, "ws-stage", { apiId: api.id, name: "live", autoDeploy: true });
    for (const handler of ["connection-handler", "results-pusher"]) {
      const fn = this.lambda(handler, foundations);
      const integration = new aws.apigatewayv2Integration.Apigatewayv2Integration(this, `${handler}-integration`, {
        apiId: api.id,
        integrationType: "AWS_PROXY",
        integrationUri: fn.invokeArn,
      });
      for (const route of ["$connect", "$disconnect", "$default"]) {
        new aws.apigatewayv2Route.Apigatewayv2Route(this, `${handler}-${route.slice(1)}`, {
          apiId: api.id,
          routeKey: route,
          target: `integrations/${integration.id}`,
        });
      }
      new aws.lambdaPermission.LambdaPermission(this, `${handler}-permission`, {
        action: "lambda:InvokeFunction",
        functionName: fn.functionName,
        principal: "apigateway.amazonaws.com",
      });
    }
    for (let i = 0; i < 19; i++) {
      new aws.vpcSecurityGroupIngressRule.VpcSecurityGroupIngressRule(this, `extra-in-${i}`, {
        securityGroupId: albSg.id,
        cidrIpv4: `10.40.${i}.0/24`,
        fromPort: 8000 + i,
        toPort: 8000 + i,
        ipProtocol: "tcp",
      });
    }
  }

  /** Bundled with a synchronous esbuild run and zipped by cdktf's archive asset, on every synth. */
  private lambda(handler: string, foundations: Foundations): aws.lambdaFunction.LambdaFunction {
    const outdir = path.join(App.of(this).outdir, "lambda-build", handler);
    fs.mkdirSync(outdir, { recursive: true });
    buildSync({
      entryPoints: [path.join(ROOT, "lambdas", handler, "index.ts")],
      bundle: true,
      platform: "node",
      target: "node22",
      outfile: path.join(outdir, "index.js"),
    });
    const asset = new TerraformAsset(this, `${handler}-code`, { path: outdir, type: AssetType.ARCHIVE });
    const object = new aws.s3Object.S3Object(this, `${handler}-object`, {
      bucket: foundations.bucket.bucket,
      key: `lambdas/${handler}-${asset.assetHash}.zip`,
      source: asset.path,
    });
    const role = this.role(handler, "lambda.amazonaws.com", [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "dynamodb:Query",
      "execute-api:ManageConnections",
    ]);
    new aws.cloudwatchLogGroup.CloudwatchLogGroup(this, `${handler}-logs`, { name: `/aws/lambda/${NAME}-${handler}`, retentionInDays: 30 });
    return new aws.lambdaFunction.LambdaFunction(this, `${handler}-function`, {
      functionName: `${NAME}-${handler}`,
      role: role.arn,
      runtime: "nodejs22.x",
      handler: "index.handler",
      s3Bucket: object.bucket,
      s3Key: object.key,
      sourceCodeHash: Fn.filebase64sha256(asset.path),
    });
  }
}

class Influx extends BaseStack {
  constructor(scope: Construct) {
    super(scope, "influx");
    const ami = new aws.dataAwsAmi.DataAwsAmi(this, "ami", {
      mostRecent: true,
      owners: ["amazon"],
      filter: [{ name: "name", values: ["al2023-ami-*-arm64"] }],
    });
    const role = this.role("influx-host", "ec2.amazonaws.com", ["ssm:UpdateInstanceInformation", "secretsmanager:PutSecretValue"]);
    const profile = new aws.iamInstanceProfile.IamInstanceProfile(this, "profile", { name: `${NAME}-influx`, role: role.name });
    const sg = new aws.securityGroup.SecurityGroup(this, "sg", { name: `${NAME}-influx` });
    new aws.vpcSecurityGroupIngressRule.VpcSecurityGroupIngressRule(this, "in", {
      securityGroupId: sg.id,
      cidrIpv4: "10.40.0.0/16",
      fromPort: 8086,
      toPort: 8086,
      ipProtocol: "tcp",
    });
    new aws.vpcSecurityGroupEgressRule.VpcSecurityGroupEgressRule(this, "out", {
      securityGroupId: sg.id,
      cidrIpv4: "0.0.0.0/0",
      ipProtocol: "-1",
    });
    const host = new aws.instance.Instance(this, "host", {
      ami: ami.id,
      instanceType: "t4g.medium",
      iamInstanceProfile: profile.name,
      vpcSecurityGroupIds: [sg.id],
      metadataOptions: { httpTokens: "required" },
    });
    new aws.volumeAttachment.VolumeAttachment(this, "data", {
      deviceName: "/dev/sdf",
      instanceId: host.id,
      volumeId: "vol-00000000000000000",
    });
    new aws.cloudwatchLogGroup.CloudwatchLogGroup(this, "logs", { name: `/${NAME}/influx`, retentionInDays: 30 });
    for (const token of ["read", "write"])
      new aws.ssmParameter.SsmParameter(this, `token-${token}`, {
        name: `/${NAME}/influx/${token}-token-arn`,
        type: "String",
        value: token,
      });
    new aws.cloudwatchMetricAlarm.CloudwatchMetricAlarm(this, "alarm", {
      alarmName: `${NAME}-influx-status`,
      namespace: "AWS/EC2",
      metricName: "StatusCheckFailed",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      evaluationPeriods: 2,
      period: 60,
      statistic: "Maximum",
    });
  }
}

class Edge extends BaseStack {
  constructor(scope: Construct) {
    super(scope, "edge");
    const site = new aws.s3Bucket.S3Bucket(this, "site", { bucket: `${NAME}-site` });
    new aws.s3BucketPublicAccessBlock.S3BucketPublicAccessBlock(this, "public", {
      bucket: site.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const oac = new aws.cloudfrontOriginAccessControl.CloudfrontOriginAccessControl(this, "oac", {
      name: NAME,
      originAccessControlOriginType: "s3",
      signingBehavior: "always",
      signingProtocol: "sigv4",
    });
    const headers = new aws.cloudfrontResponseHeadersPolicy.CloudfrontResponseHeadersPolicy(this, "headers", {
      name: NAME,
      securityHeadersConfig: { frameOptions: { frameOption: "DENY", override: true } },
    });
    const distribution = new aws.cloudfrontDistribution.CloudfrontDistribution(this, "cdn", {
      enabled: true,
      defaultRootObject: "index.html",
      origin: [{ domainName: site.bucketRegionalDomainName, originId: "site", originAccessControlId: oac.id }],
      defaultCacheBehavior: {
        targetOriginId: "site",
        viewerProtocolPolicy: "redirect-to-https",
        allowedMethods: ["GET", "HEAD"],
        cachedMethods: ["GET", "HEAD"],
        responseHeadersPolicyId: headers.id,
        forwardedValues: { queryString: false, cookies: { forward: "none" } },
      },
      restrictions: { geoRestriction: { restrictionType: "none" } },
      viewerCertificate: { cloudfrontDefaultCertificate: true },
    });
    const policy = new aws.dataAwsIamPolicyDocument.DataAwsIamPolicyDocument(this, "site-policy", {
      statement: [
        {
          actions: ["s3:GetObject"],
          resources: [`${site.arn}/*`],
          principals: [{ type: "Service", identifiers: ["cloudfront.amazonaws.com"] }],
          condition: [{ test: "StringEquals", variable: "AWS:SourceArn", values: [distribution.arn] }],
        },
      ],
    });
    new aws.s3BucketPolicy.S3BucketPolicy(this, "site-bucket-policy", { bucket: site.id, policy: policy.json });
    new aws.s3BucketServerSideEncryptionConfiguration.S3BucketServerSideEncryptionConfigurationA(this, "sse", {
      bucket: site.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    new aws.s3BucketVersioning.S3BucketVersioningA(this, "versioning", { bucket: site.id, versioningConfiguration: { status: "Enabled" } });
    new aws.cloudwatchLogGroup.CloudwatchLogGroup(this, "logs", { name: `/${NAME}/edge`, retentionInDays: 30 });
    new aws.ssmParameter.SsmParameter(this, "url", { name: `/${NAME}/edge/url`, type: "String", value: distribution.domainName });
  }
}

const app = new App();
const foundations = new Foundations(app);
new Core(app, foundations);
new Influx(app);
new Edge(app);
app.synth();

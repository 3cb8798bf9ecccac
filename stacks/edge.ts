import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { DataAwsSecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-version";
import { StreamLinesConfig } from "../config/schema";
import { StreamLinesStack, awsProviderConfig, reachesAwsOverPlainHttp } from "./base";
import { StaticSite } from "../modules/static-site";
import { SiteCertificate } from "../modules/static-site/certificate";
import { SiteWebAcl } from "../modules/static-site/web-acl";

/** The alias of the us-east-1 provider: CloudFront certificates and web ACLs live there only. */
export const US_EAST_1_ALIAS = "us_east_1";

/** What edge takes from core when core has it (profile full): the ALB and the WebSocket API. */
export interface EdgeOrigins extends TerraformStack {
  readonly loadBalancer?: {
    readonly dnsName: string;
    readonly https: boolean;
    readonly originHeader?: { readonly name: string; readonly secretArn: string };
  };
  readonly realtime?: { readonly api: { readonly id: string; readonly stageName: string } };
}

export interface EdgeStackProps {
  readonly config: StreamLinesConfig;
  /** Phase 1: edge is applied after it, like every phase-2 stack. */
  readonly foundations: TerraformStack;
  readonly core: EdgeOrigins;
}

/** CloudFront in front of the dashboard's static build (and, by config, the backend and WebSocket API). */
export class EdgeStack extends StreamLinesStack {
  readonly site: StaticSite;
  /** Only with a domain or the WAF. */
  readonly usEast1?: AwsProvider;
  readonly certificate?: SiteCertificate;
  readonly webAcl?: SiteWebAcl;

  constructor(scope: Construct, props: EdgeStackProps) {
    super(scope, "edge", props);
    this.addDependency(props.foundations);
    const c = this.config;
    const edge = c.edge;

    if (edge.domain || edge.waf.enabled) {
      this.usEast1 = new AwsProvider(this, "aws-us-east-1", awsProviderConfig(c, "edge", "us-east-1", US_EAST_1_ALIAS));
    }
    if (edge.domain) {
      this.certificate = new SiteCertificate(this, "certificate", {
        domainName: edge.domain.name,
        zoneName: edge.domain.zoneName,
        usEast1: this.usEast1!,
      });
    }
    if (edge.waf.enabled) {
      this.webAcl = new SiteWebAcl(this, "waf", {
        name: this.name("dashboard"),
        rateLimit: edge.waf.rateLimit,
        usEast1: this.usEast1!,
        logs: { mode: edge.waf.logs, retentionDays: c.logRetentionDays, keyDeletionWindowDays: c.kms.deletionWindowDays },
      });
    }

    const { loadBalancer, realtime } = edge.backendOrigins ? props.core : {};
    if (loadBalancer || realtime) this.addDependency(props.core);

    // Core generated the value into its secret; reading it here puts it in edge's state and the
    // distribution's origin config too (modules/load-balancer, originHeaderValue). Edge applies after
    // core, so the secret has its value by then.
    const originHeader = loadBalancer?.originHeader && {
      name: loadBalancer.originHeader.name,
      value: new DataAwsSecretsmanagerSecretVersion(this, "origin-header-value", { secretId: loadBalancer.originHeader.secretArn })
        .secretString,
    };

    this.site = new StaticSite(this, "site", {
      name: this.name("dashboard"),
      bucketName: edge.bucketName,
      // The site is a build output (publish again); the logs are CloudFront's, kept only as long as the stack.
      forceDestroy: true,
      noncurrentVersionExpirationDays: c.artifacts.noncurrentVersionExpirationDays,
      denyInsecureTransport: !reachesAwsOverPlainHttp(c),
      priceClass: edge.priceClass,
      contentSecurityPolicy: edge.contentSecurityPolicy,
      // moto (the acceptance emulator) has no response headers policy API; unit tests cover the policy.
      securityHeaders: c.emulator === undefined,
      // Nor CloudFront Functions; unit tests run the function's code.
      spaFallback: c.emulator === undefined,
      certificate: this.certificate && edge.domain ? { arn: this.certificate.arn, aliases: [edge.domain.name] } : undefined,
      webAclArn: this.webAcl?.arn,
      accessLogs: edge.accessLogs.enabled
        ? { bucketName: edge.accessLogs.bucketName, expirationDays: edge.accessLogs.expirationDays }
        : undefined,
      // CloudFront checks the ALB's certificate against the origin name, so HTTPS goes to loadBalancer.domain
      // (config refuses a bare certificateArn here: no certificate covers the ALB's DNS name).
      apiOrigin: loadBalancer && {
        domainName: (loadBalancer.https && c.loadBalancer.domain?.name) || loadBalancer.dnsName,
        https: loadBalancer.https,
        originHeader,
      },
      // The API's execute-api name rather than realtime.domain: its AWS certificate always matches.
      websocketOrigin: realtime && {
        domainName: `${realtime.api.id}.execute-api.${c.region}.amazonaws.com`,
        stageName: realtime.api.stageName,
      },
    });

    if (edge.domain && this.certificate) {
      for (const type of ["A", "AAAA"]) {
        new Route53Record(this, `alias-${type.toLowerCase()}`, {
          zoneId: this.certificate.zoneId,
          name: edge.domain.name,
          type,
          alias: { name: this.site.domainName, zoneId: this.site.hostedZoneId, evaluateTargetHealth: false },
        });
      }
    }

    new TerraformOutput(this, "bucket_name", { value: this.site.bucket.name });
    new TerraformOutput(this, "distribution_id", { value: this.site.distributionId });
    new TerraformOutput(this, "domain_name", { value: this.site.domainName });
    new TerraformOutput(this, "url", { value: this.site.url });
    // What publish-dashboard writes to /config.json (help/app-contract.md): the API and WebSocket
    // behind this distribution's own name, so one dashboard build serves every environment.
    if (loadBalancer) {
      const host = edge.domain?.name ?? this.site.domainName;
      new TerraformOutput(this, "runtime_config", {
        value: { graphqlUrl: `https://${host}/graphql`, ...(realtime && { websocketUrl: `wss://${host}/${realtime.api.stageName}` }) },
      });
    }
  }
}

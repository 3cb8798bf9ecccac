import { Construct } from "constructs";
import { TerraformProvider } from "cdktf";
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { dnsValidatedCertificate } from "../certificate";

export interface SiteCertificateProps {
  /** The site's name, e.g. markets.example.com. */
  readonly domainName: string;
  /** The public Route 53 zone that holds it, looked up by name. */
  readonly zoneName: string;
  /** An aws provider for us-east-1: CloudFront takes certificates from there only, whatever the app region. */
  readonly usEast1: TerraformProvider;
}

/** A DNS-validated ACM certificate in us-east-1 for a CloudFront distribution, and the zone it lives in. */
export class SiteCertificate extends Construct {
  /** The certificate's ARN once issued (through the validation), so a distribution never uses it before. */
  readonly arn: string;
  readonly zoneId: string;

  constructor(scope: Construct, id: string, props: SiteCertificateProps) {
    super(scope, id);
    // By name, so the zone can belong to whoever owns the domain (and be made first in the emulator).
    const zone = new DataAwsRoute53Zone(this, "zone", { name: props.zoneName, privateZone: false });
    this.zoneId = zone.zoneId;
    // The validation record indexes the one known domain (see dnsValidatedCertificate).
    this.arn = dnsValidatedCertificate(this, { name: props.domainName, hostedZoneId: zone.zoneId }, props.usEast1);
  }
}

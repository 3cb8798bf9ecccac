import { Construct } from "constructs";
import { TerraformIterator, TerraformProvider, Token } from "cdktf";
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";

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
    const zone = new DataAwsRoute53Zone(this, "zone", { name: props.zoneName, privateZone: false });
    this.zoneId = zone.zoneId;
    const certificate = new AcmCertificate(this, "certificate", {
      provider: props.usEast1,
      domainName: props.domainName,
      validationMethod: "DNS",
      // A renamed site gets its new certificate before the distribution lets go of the old one.
      lifecycle: { createBeforeDestroy: true },
    });
    // domain_validation_options is a set known only after apply, so `.get(0)` cannot plan and
    // count cannot either. for_each over it, keyed by domain_name (known at plan time), plans
    // offline and stays right when subject alternative names are added.
    const options = TerraformIterator.fromComplexList(certificate.domainValidationOptions, "domain_name");
    const records = new Route53Record(this, "validation-record", {
      forEach: options,
      zoneId: zone.zoneId,
      name: options.getString("resource_record_name"),
      type: options.getString("resource_record_type"),
      records: [options.getString("resource_record_value")],
      ttl: 300,
      allowOverwrite: true,
    });
    const validation = new AcmCertificateValidation(this, "validation", {
      provider: props.usEast1,
      certificateArn: certificate.arn,
      validationRecordFqdns: Token.asList(TerraformIterator.fromResources(records).pluckProperty("fqdn")),
    });
    this.arn = validation.certificateArn;
  }
}

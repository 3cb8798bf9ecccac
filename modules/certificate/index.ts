import { Construct } from "constructs";
import { TerraformProvider } from "cdktf";
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";

export interface CertificateDomain {
  /** The certificate's one name, e.g. `app.example.com`. */
  readonly name: string;
  /** The public Route 53 zone that holds the name; the validation record goes there. */
  readonly hostedZoneId: string;
}

/**
 * A DNS-validated ACM certificate for `domain`, in `scope`'s provider region or `provider`'s (the
 * record stays with `scope`'s: Route 53 is global); returns the ARN of the validation, so users of
 * it wait until the certificate is issued. The resources keep the ids
 * `certificate`, `certificate-validation-record` and `certificate-validation` in `scope`, so callers
 * that created them inline before keep their Terraform addresses.
 */
export function dnsValidatedCertificate(scope: Construct, domain: CertificateDomain, provider?: TerraformProvider): string {
  const certificate = new AcmCertificate(scope, "certificate", {
    provider,
    domainName: domain.name,
    validationMethod: "DNS",
    // A renamed domain gets its new certificate before its user lets go of the old one.
    lifecycle: { createBeforeDestroy: true },
  });
  // domain_validation_options is a set whose contents are known only after apply. Indexing the one
  // known domain (tolist(...)[0]) keeps the record count known, so it plans offline; a count or
  // for_each over the set's values would not.
  const option = certificate.domainValidationOptions.get(0);
  const record = new Route53Record(scope, "certificate-validation-record", {
    zoneId: domain.hostedZoneId,
    name: option.resourceRecordName,
    type: option.resourceRecordType,
    records: [option.resourceRecordValue],
    ttl: 300,
    allowOverwrite: true,
  });
  const validation = new AcmCertificateValidation(scope, "certificate-validation", {
    provider,
    certificateArn: certificate.arn,
    validationRecordFqdns: [record.fqdn],
  });
  return validation.certificateArn;
}

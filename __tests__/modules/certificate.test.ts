/** dnsValidatedCertificate alone: DNS validation in the zone, replaced before destroyed, and users wait for issuance. */
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { dnsValidatedCertificate } from "../../modules/certificate";
import { moduleStack, only, refTo, resolved, synth } from "./harness";

test("certificate, validation record and validation, with the ids callers rely on; the ARN is the validation's", () => {
  const stack = moduleStack();
  const arn = dnsValidatedCertificate(stack, { name: "app.example.com", hostedZoneId: "Z1" });
  const json = synth(stack);
  expect(Object.keys(json.resource!).sort()).toEqual(["aws_acm_certificate", "aws_acm_certificate_validation", "aws_route53_record"]);
  expect(Object.keys(json.resource!.aws_acm_certificate)).toEqual(["certificate"]);
  expect(Object.keys(json.resource!.aws_route53_record)).toEqual(["certificate-validation-record"]);
  expect(Object.keys(json.resource!.aws_acm_certificate_validation)).toEqual(["certificate-validation"]);
  expect(only(json, "aws_acm_certificate")).toEqual({
    domain_name: "app.example.com",
    validation_method: "DNS",
    lifecycle: { create_before_destroy: true },
  });
  const option = (attr: string) => `\${tolist(aws_acm_certificate.certificate.domain_validation_options).0.${attr}}`;
  expect(only(json, "aws_route53_record")).toEqual({
    zone_id: "Z1",
    name: option("resource_record_name"),
    type: option("resource_record_type"),
    records: [option("resource_record_value")],
    ttl: 300,
    allow_overwrite: true,
  });
  expect(only(json, "aws_acm_certificate_validation")).toEqual({
    certificate_arn: refTo(json, "aws_acm_certificate", "arn"),
    validation_record_fqdns: [refTo(json, "aws_route53_record", "fqdn")],
  });
  expect(resolved(stack, arn)).toBe(refTo(json, "aws_acm_certificate_validation", "certificate_arn"));
});

test("another provider (CloudFront's us-east-1) for the certificate and validation; the record stays global", () => {
  const stack = moduleStack();
  const useast1 = new AwsProvider(stack, "us-east-1", { region: "us-east-1", alias: "us-east-1" });
  dnsValidatedCertificate(stack, { name: "app.example.com", hostedZoneId: "Z1" }, useast1);
  const json = synth(stack);
  expect(only(json, "aws_acm_certificate").provider).toBe("aws.us-east-1");
  expect(only(json, "aws_acm_certificate_validation").provider).toBe("aws.us-east-1");
  expect(only(json, "aws_route53_record").provider).toBeUndefined();
});

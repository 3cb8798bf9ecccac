import type { InfluxSettings } from ".";

/**
 * The bootstrap's inputs (documented at the top of bootstrap.sh) from one place, for both ways it
 * runs: user data on the EBS host, and the container of the EFS variant. Values are names, ids and
 * references; never a token.
 */
export interface BootstrapSettings {
  readonly region: string;
  readonly influx: InfluxSettings;
  /** Secrets Manager names (or ARNs) of the three token secrets. */
  readonly secretIds: { readonly admin: string; readonly read: string; readonly write: string };
}

/** What the bootstrap reads in either runtime. */
function sharedEnvironment(s: BootstrapSettings) {
  return {
    AWS_REGION: s.region,
    INFLUX_ORG: s.influx.org,
    INFLUX_BUCKETS: s.influx.buckets.join(" "),
    INFLUX_RETENTION: s.influx.retention,
    INFLUX_PORT: String(s.influx.port),
    ADMIN_SECRET_ID: s.secretIds.admin,
    READ_SECRET_ID: s.secretIds.read,
    WRITE_SECRET_ID: s.secretIds.write,
  };
}

export interface HostInputs {
  readonly volumeId: string;
  readonly deviceName: string;
  /** `<repository url>:<tag>`, as a Terraform join when the URL is a reference. */
  readonly image: string;
  readonly logGroup: string;
}

/**
 * The EC2 host's user data header, in a fixed order: the header is part of the user data, and a
 * change to it replaces the instance.
 */
export function hostBootstrapEnvironment(s: BootstrapSettings, host: HostInputs): Record<string, string> {
  const { AWS_REGION, ...rest } = sharedEnvironment(s);
  return {
    VOLUME_ID: host.volumeId,
    DEVICE_NAME: host.deviceName,
    AWS_REGION,
    INFLUX_IMAGE: host.image,
    ...rest,
    LOG_GROUP: host.logGroup,
  };
}

/** The InfluxDB task's environment on EFS: the bootstrap runs inside the container, InfluxDB listens on the port. */
export function containerBootstrapEnvironment(s: BootstrapSettings): Record<string, string> {
  return { INFLUX_RUNTIME: "container", INFLUXD_HTTP_BIND_ADDRESS: `:${s.influx.port}`, ...sharedEnvironment(s) };
}

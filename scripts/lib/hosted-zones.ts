import { randomUUID } from "crypto";
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  DeleteHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from "@aws-sdk/client-route-53";
import { StreamLinesConfig } from "../../config/schema";
import { emulatorClientConfig } from "./emulator";

/** Public zones the config looks up by name; in AWS they belong to whoever owns the domain, not to these stacks. */
export function hostedZonesNamedIn(config: StreamLinesConfig): string[] {
  return config.edge.enabled && config.edge.domain ? [config.edge.domain.zoneName] : [];
}

const bare = (name: string) => name.replace(/\.$/, "");

/**
 * Creates each zone that does not exist yet in the emulator at `endpoint`. Returns the ids it
 * created, for deleteHostedZones; zones that were there already are left alone.
 */
export async function ensureHostedZones(names: readonly string[], endpoint: string, region: string): Promise<string[]> {
  const route53 = new Route53Client(emulatorClientConfig(endpoint, region));
  const created: string[] = [];
  try {
    for (const name of names) {
      const found = await route53.send(new ListHostedZonesByNameCommand({ DNSName: name, MaxItems: 1 }));
      if (found.HostedZones?.some((z) => bare(z.Name ?? "") === name)) continue;
      const out = await route53.send(new CreateHostedZoneCommand({ Name: name, CallerReference: randomUUID() }));
      created.push(out.HostedZone!.Id!);
    }
  } finally {
    route53.destroy();
  }
  return created;
}

/** Deletes the zones: first any records a destroy left (all but the zone's own SOA and NS), then the zone. */
export async function deleteHostedZones(ids: readonly string[], endpoint: string, region: string): Promise<void> {
  const route53 = new Route53Client(emulatorClientConfig(endpoint, region));
  try {
    for (const id of ids) {
      const records = (await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: id }))).ResourceRecordSets ?? [];
      const left = records.filter((r) => r.Type !== "SOA" && r.Type !== "NS");
      if (left.length > 0) {
        await route53.send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: id,
            ChangeBatch: { Changes: left.map((r) => ({ Action: "DELETE", ResourceRecordSet: r })) },
          }),
        );
      }
      await route53.send(new DeleteHostedZoneCommand({ Id: id }));
    }
  } finally {
    route53.destroy();
  }
}

/**
 * Kept resources: what `npm run destroy` takes out of Terraform's management instead of deleting
 * while dataRetention is on, and how the next deploy adopts them again with import blocks.
 *
 * Synth writes `<outdir>/kept-resources.json` (the addresses each stack would keep); destroy records
 * the kept resources' import ids in the state bucket; deploy hands that record to synth through
 * STREAMLINES_ADOPT, and synth turns each entry into an import block.
 */
import * as fs from "fs";
import * as path from "path";
import { App, TerraformResource, TerraformStack } from "cdktf";
import { IConstruct } from "constructs";

export const KEPT_MANIFEST_FILE = "kept-resources.json";

/** A stack that keeps some of its resources through a destroy while dataRetention is on. */
export interface KeepsResources {
  keptResources(): TerraformResource[];
}

const keepsResources = (stack: unknown): stack is KeepsResources => typeof (stack as Partial<KeepsResources>).keptResources === "function";

/** `type.logicalId`: the address Terraform knows the resource by (cdktf has no nested modules). */
export function addressOf(resource: TerraformResource): string {
  return `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;
}

/** Every managed resource under `scopes`, in construct order. */
export function resourcesUnder(...scopes: IConstruct[]): TerraformResource[] {
  return scopes.flatMap((s) => s.node.findAll()).filter((c): c is TerraformResource => c instanceof TerraformResource);
}

/** What synth tells destroy: per stack, the addresses kept while dataRetention is on. */
export interface KeptManifest {
  readonly stacks: Record<string, readonly string[]>;
}

export function keptManifest(app: App): KeptManifest {
  const stacks: Record<string, string[]> = {};
  for (const stack of app.node.children) {
    if (stack instanceof TerraformStack && keepsResources(stack)) stacks[stack.node.id] = stack.keptResources().map(addressOf);
  }
  return { stacks };
}

export function writeKeptManifest(app: App): void {
  fs.writeFileSync(path.join(app.outdir, KEPT_MANIFEST_FILE), `${JSON.stringify(keptManifest(app), null, 2)}\n`);
}

/** One kept resource as destroy recorded it: enough to import it again. */
export interface KeptRecordEntry {
  readonly stack: string;
  readonly address: string;
  readonly type: string;
  /** The id `terraform import` takes for this type. */
  readonly importId: string;
}

/** Whose record it is: a deploy or destroy of any other app, env or region refuses it. */
export interface KeptScope {
  readonly app: string;
  readonly env: string;
  readonly region: string;
}

export interface KeptRecord {
  readonly recordedAt: string;
  readonly scope?: KeptScope;
  readonly resources: readonly KeptRecordEntry[];
}

/** Adds an import block for every recorded resource; returns the entries no resource answers to. */
export function adoptKept(app: App, record: KeptRecord): KeptRecordEntry[] {
  const byAddress = new Map<string, TerraformResource>();
  for (const stack of app.node.children) {
    if (!(stack instanceof TerraformStack)) continue;
    for (const r of resourcesUnder(stack)) byAddress.set(`${stack.node.id}/${addressOf(r)}`, r);
  }
  const unmatched: KeptRecordEntry[] = [];
  for (const entry of record.resources) {
    const resource = byAddress.get(`${entry.stack}/${entry.address}`);
    if (resource) resource.importFrom(entry.importId);
    else unmatched.push(entry);
  }
  return unmatched;
}

/**
 * Writes __tests__/fixtures/aws-taggable-resource-types.json: every aws resource type that default_tags
 * reach, read from the real provider schema of the version the bindings are generated for.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { AWS_PROVIDER, findProviderMirror, repoRoot, runTerraformSync, writeCliConfig } from "./lib/terraform";

interface SchemaBlock {
  attributes?: Record<string, { type?: unknown; computed?: boolean }>;
}
interface ProvidersSchema {
  provider_schemas: Record<string, { resource_schemas: Record<string, { block: SchemaBlock }> }>;
}

/** The hashicorp/aws version @cdktf/provider-aws was generated from. */
function bindingProviderVersion(): string {
  const provider = new AwsProvider(new TerraformStack(new App(), "probe"), "aws", { region: "us-east-1" });
  const version = provider.terraformGeneratorMetadata?.providerVersion;
  if (!version) throw new Error("@cdktf/provider-aws carries no provider version");
  return version;
}

/**
 * A type is taggable when it has a `tags` map and the computed `tags_all` that default_tags fill.
 * That leaves out aws_inspector_resource_group, whose `tags` is a selector of instances, not its own tags.
 */
export function taggableTypes(schema: ProvidersSchema): string[] {
  const aws = schema.provider_schemas[AWS_PROVIDER];
  if (!aws) throw new Error(`schema has no ${AWS_PROVIDER}`);
  return Object.entries(aws.resource_schemas)
    .filter(([, s]) => {
      const attrs = s.block.attributes ?? {};
      return JSON.stringify(attrs.tags?.type) === '["map","string"]' && attrs.tags_all?.computed === true;
    })
    .map(([type]) => type)
    .sort();
}

function main(): void {
  const root = repoRoot();
  const version = bindingProviderVersion();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "streamlines-schema-"));
  try {
    const env = writeCliConfig(path.join(tmp, "cli"), findProviderMirror());
    const work = path.join(tmp, "work");
    fs.mkdirSync(work);
    fs.writeFileSync(
      path.join(work, "main.tf.json"),
      JSON.stringify({ terraform: { required_providers: { aws: { source: "hashicorp/aws", version } } } }),
    );
    const init = runTerraformSync(["init", "-backend=false", "-input=false", "-no-color"], { cwd: work, env });
    if (init.code !== 0) throw new Error(`terraform init failed:\n${init.stderr || init.stdout}`);
    const schema = runTerraformSync(["providers", "schema", "-json"], { cwd: work, env });
    if (schema.code !== 0) throw new Error(`terraform providers schema failed:\n${schema.stderr}`);
    const types = taggableTypes(JSON.parse(schema.stdout) as ProvidersSchema);
    const out = path.join(root, "__tests__", "fixtures", "aws-taggable-resource-types.json");
    fs.writeFileSync(out, `${JSON.stringify(types, null, 2)}\n`);
    console.log(`${path.relative(root, out)}: ${types.length} taggable resource types from hashicorp/aws ${version}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) main();

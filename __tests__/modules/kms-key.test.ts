/** The key as an object: one set of KMS action lists, granted by the key itself or by a key known by ARN. */
import * as fs from "fs";
import * as path from "path";
import { TerraformStack, Testing } from "cdktf";
import { Grantable, PolicyStatement } from "../../modules/iam-role";
import { EncryptionKey, KMS_ACTIONS, StreamLinesKey, keyFromArn } from "../../modules/kms-key";

/** A grantee that keeps what it is given. */
function recorder(): Grantable & { statements: PolicyStatement[] } {
  const statements: PolicyStatement[] = [];
  return { statements, addToPolicy: (s) => statements.push(s) };
}

const grantsOf = (key: EncryptionKey) => {
  const each = (grant: (g: Grantable) => void) => {
    const r = recorder();
    grant(r);
    return r.statements;
  };
  return {
    decrypt: each((g) => key.grantDecrypt(g)),
    encrypt: each((g) => key.grantEncrypt(g)),
    encryptDecrypt: each((g) => key.grantEncryptDecrypt(g)),
    secret: each((g) => key.grant(g, KMS_ACTIONS.encryptSecret)),
  };
};

const ARN = "arn:aws:kms:eu-central-1:111122223333:key/k";

test("each grant is one statement on the key alone, with the least its use needs", () => {
  expect(grantsOf(keyFromArn(ARN))).toEqual({
    decrypt: [{ actions: ["kms:Decrypt"], resources: [ARN] }],
    encrypt: [{ actions: ["kms:GenerateDataKey"], resources: [ARN] }],
    encryptDecrypt: [{ actions: ["kms:Decrypt", "kms:GenerateDataKey"], resources: [ARN] }],
    secret: [{ actions: ["kms:GenerateDataKey", "kms:Encrypt"], resources: [ARN] }],
  });
});

test("the key construct grants exactly what a key known by its ARN grants", () => {
  const stack = new TerraformStack(Testing.app(), "key");
  const key = new StreamLinesKey(stack, "key", { alias: "a-dev", description: "d", deletionWindowDays: 7, region: "eu-central-1" });
  expect(grantsOf(key)).toEqual(grantsOf(keyFromArn(key.arn)));
  expect(grantsOf(key).decrypt[0].resources).toEqual([key.arn]);
});

test("no module writes KMS actions of its own: key statements come from the key", () => {
  const root = path.resolve(__dirname, "../..");
  const offenders: string[] = [];
  for (const dir of ["modules", "stacks"]) {
    for (const entry of fs.readdirSync(path.join(root, dir), { recursive: true }) as string[]) {
      if (!entry.endsWith(".ts") || entry.startsWith("kms-key")) continue;
      const text = fs.readFileSync(path.join(root, dir, entry), "utf8");
      if (/["'`]kms:[A-Za-z*]+["'`]/.test(text)) offenders.push(`${dir}/${entry}`);
    }
  }
  expect(offenders).toEqual([]);
});

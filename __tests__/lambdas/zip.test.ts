import { randomBytes } from "crypto";
import { zipOneFile } from "../../lambdas/zip";

interface ZipEntry {
  fileName: string;
  externalFileAttributes: number;
  uncompressedSize: number;
  getLastModDate(): Date;
}
interface ZipFile {
  on(event: "entry", fn: (e: ZipEntry) => void): void;
  on(event: "end" | "error", fn: (err?: Error) => void): void;
  readEntry(): void;
  openReadStream(e: ZipEntry, fn: (err: Error | null, stream: NodeJS.ReadableStream) => void): void;
}
// An independent reader (yauzl, the one extract-zip uses), so the writer is not checked against itself.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- yauzl ships no types
const yauzl = require("yauzl") as { fromBuffer(b: Buffer, o: { lazyEntries: boolean }, fn: (err: Error | null, z: ZipFile) => void): void };

async function unzip(zip: Buffer): Promise<Array<{ entry: ZipEntry; data: Buffer }>> {
  const file = await new Promise<ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, z) => (err ? reject(err) : resolve(z))),
  );
  return new Promise((resolve, reject) => {
    const out: Array<{ entry: ZipEntry; data: Buffer }> = [];
    file.on("error", reject);
    file.on("end", () => resolve(out));
    file.on("entry", (entry) =>
      file.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => {
          out.push({ entry, data: Buffer.concat(chunks) });
          file.readEntry();
        });
      }),
    );
    file.readEntry();
  });
}

test("one index.js entry with the exact bytes, mode 0644 and the pinned date; a reader checks the CRC", async () => {
  const contents = Buffer.concat([Buffer.from('exports.handler = async () => "ok";\n'), randomBytes(200_000)]);
  const entries = await unzip(zipOneFile("index.js", contents));
  expect(entries).toHaveLength(1);
  const [{ entry, data }] = entries;
  expect(entry.fileName).toBe("index.js");
  expect(data.equals(contents)).toBe(true);
  expect(entry.uncompressedSize).toBe(contents.length);
  expect((entry.externalFileAttributes >>> 16).toString(8)).toBe("100644");
  const date = entry.getLastModDate();
  expect([date.getFullYear(), date.getMonth(), date.getDate(), date.getHours(), date.getMinutes()]).toEqual([2000, 0, 1, 0, 0]);
});

test("the same bytes zip to the same archive, other bytes to another", () => {
  const a = Buffer.from("module.exports = 1;\n");
  expect(zipOneFile("index.js", a).equals(zipOneFile("index.js", Buffer.from(a)))).toBe(true);
  expect(zipOneFile("index.js", a).equals(zipOneFile("index.js", Buffer.from("module.exports = 2;\n")))).toBe(false);
});

import * as zlib from "zlib";

/** Entries carry this date (MS-DOS format, local time fields) and mode, so the same bytes always zip alike. */
const PINNED_DOS_DATE = ((2000 - 1980) << 9) | (1 << 5) | 1;
const PINNED_DOS_TIME = 0;
const PINNED_MODE = 0o100644;
/** Version 2.0 (deflate), made by Unix (3), so unzip tools and Lambda read the file mode. */
const VERSION_NEEDED = 20;
const VERSION_MADE_BY = (3 << 8) | 20;
const DEFLATE = 8;
const UTF8_NAMES = 1 << 11;

/** A little-endian field of a zip record: its width in bytes and its value. */
type Field = readonly [2 | 4, number];

function record(fields: readonly Field[]): Buffer {
  const buffer = Buffer.alloc(fields.reduce((n, [width]) => n + width, 0));
  let at = 0;
  for (const [width, value] of fields) at = width === 2 ? buffer.writeUInt16LE(value, at) : buffer.writeUInt32LE(value >>> 0, at);
  return buffer;
}

/**
 * A zip archive holding one file, in process and deterministic: no timestamps but the pinned one, no extra
 * fields, deflate at level 9. (cdktf's archive assets start a node process per archive.)
 */
export function zipOneFile(name: string, contents: Uint8Array): Buffer {
  const fileName = Buffer.from(name, "utf8");
  const data = zlib.deflateRawSync(contents, { level: 9 });
  const crc = zlib.crc32(contents);
  if (contents.length >= 0xffffffff || data.length >= 0xffffffff)
    throw new Error(`${name}: ${contents.length} bytes need zip64, which this writer does not do`);

  // The fields the local header and the central directory entry share, in their order.
  const common: Field[] = [
    [2, UTF8_NAMES],
    [2, DEFLATE],
    [2, PINNED_DOS_TIME],
    [2, PINNED_DOS_DATE],
    [4, crc],
    [4, data.length],
    [4, contents.length],
    [2, fileName.length],
  ];
  const local = record([[4, 0x04034b50], [2, VERSION_NEEDED], ...common, [2, 0]]);
  // Then: extra field and comment lengths, disk number, internal attributes, external attributes (the Unix mode), offset of the local header.
  const central = record([
    [4, 0x02014b50],
    [2, VERSION_MADE_BY],
    [2, VERSION_NEEDED],
    ...common,
    [2, 0],
    [2, 0],
    [2, 0],
    [2, 0],
    [4, PINNED_MODE << 16],
    [4, 0],
  ]);
  const centralOffset = local.length + fileName.length + data.length;
  // End of central directory: disk numbers, entries on this disk and in all, directory size and offset, comment length.
  const end = record([
    [4, 0x06054b50],
    [2, 0],
    [2, 0],
    [2, 1],
    [2, 1],
    [4, central.length + fileName.length],
    [4, centralOffset],
    [2, 0],
  ]);

  return Buffer.concat([local, fileName, data, central, fileName, end]);
}

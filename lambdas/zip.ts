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

/**
 * A zip archive holding one file, in process and deterministic: no timestamps but the pinned one, no extra
 * fields, deflate at level 9. (cdktf's archive assets start a node process per archive.)
 */
export function zipOneFile(name: string, contents: Uint8Array): Buffer {
  const fileName = Buffer.from(name, "utf8");
  const data = zlib.deflateRawSync(contents, { level: 9 });
  const crc = zlib.crc32(contents);
  if (contents.length >= 0xffffffff || data.length >= 0xffffffff) throw new Error(`${name}: ${contents.length} bytes need zip64, which this writer does not do`);

  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(VERSION_NEEDED, 4);
  local.writeUInt16LE(UTF8_NAMES, 6);
  local.writeUInt16LE(DEFLATE, 8);
  local.writeUInt16LE(PINNED_DOS_TIME, 10);
  local.writeUInt16LE(PINNED_DOS_DATE, 12);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(contents.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  local.writeUInt16LE(0, 28);

  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(VERSION_MADE_BY, 4);
  central.writeUInt16LE(VERSION_NEEDED, 6);
  central.writeUInt16LE(UTF8_NAMES, 8);
  central.writeUInt16LE(DEFLATE, 10);
  central.writeUInt16LE(PINNED_DOS_TIME, 12);
  central.writeUInt16LE(PINNED_DOS_DATE, 14);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(contents.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  // Extra field, comment, disk number, internal attributes: all zero.
  central.writeUInt32LE((PINNED_MODE << 16) >>> 0, 38);
  central.writeUInt32LE(0, 42);

  const centralOffset = local.length + fileName.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(centralOffset, 16);

  return Buffer.concat([local, fileName, data, central, fileName, end]);
}

import { deflateSync } from "zlib";

/** The predecessor's dashboard renders at most this many records per frame. */
export const RECORDS_PER_FRAME = 7;

/**
 * One WebSocket text frame: base64 of the zlib stream (RFC 1950: 2-byte header, deflate data, Adler-32)
 * of the JSON array of records. zlib rather than gzip or raw deflate because the dashboard decodes with
 * `pako.inflate`, whose default expects the zlib wrapper. See help/websocket-protocol.md.
 */
export function encodeFrame(records: readonly unknown[]): string {
  return deflateSync(Buffer.from(JSON.stringify(records), "utf8")).toString("base64");
}

export function frames(records: readonly unknown[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < records.length; i += RECORDS_PER_FRAME) out.push(encodeFrame(records.slice(i, i + RECORDS_PER_FRAME)));
  return out;
}

import type { KinesisStreamRecord } from "aws-lambda";
import { isSymbol } from "../shared/symbols";

/** A ripples result; the values besides these keys pass through untouched. */
export interface Measurement {
  readonly symbol: string;
  readonly measurement: string;
  readonly measure_id: string;
  readonly [key: string]: unknown;
}

export type Decoded = { readonly ok: true; readonly value: Measurement } | { readonly ok: false; readonly reason: string };

/**
 * ripples writes these as ISO-8601 strings (OffsetDateTime.toString, WindowedQuotationVolumes.scala:83-84
 * at e410d43); the dashboard accepts only numbers, the epoch nanoseconds its GraphQL path gives it
 * (WindowedQuotation.ts:46-47). help/websocket-protocol.md.
 */
export const WINDOW_TIME_FIELDS = ["window_start_time", "window_end_time"] as const;

// OffsetDateTime.toString: seconds and fraction only when non-zero, offset Z or +hh:mm[:ss].
const OFFSET_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2})(?::(\d{2}))?)$/;

/**
 * Epoch nanoseconds of an ISO-8601 offset date-time, or undefined when the text is not one. Exact for
 * whole seconds (every ripples window bound); a sub-second part is as exact as a double allows (±128 ns).
 */
export function epochNanoseconds(text: string): number | undefined {
  const m = OFFSET_DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second = 0] = m.slice(1, 7).map((p) => Number(p ?? 0));
  const millis = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(millis);
  // Date.UTC rolls 2024-02-30 over into March; a real date reads back the same.
  if (
    back.getUTCFullYear() !== year ||
    back.getUTCMonth() !== month - 1 ||
    back.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    return undefined;
  const offsetSeconds = m[8] === "Z" ? 0 : (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 3600 + Number(m[11]) * 60 + Number(m[12] ?? 0));
  const fraction = BigInt((m[7] ?? "").padEnd(9, "0"));
  return Number(BigInt(millis / 1000 - offsetSeconds) * 1_000_000_000n + fraction);
}

/** Reasons are fixed strings, so a log line never carries payload bytes. */
export function decodeRecord(record: KinesisStreamRecord): Decoded {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(record.kinesis.data, "base64").toString("utf8"));
  } catch {
    return { ok: false, reason: "not JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, reason: "not a JSON object" };
  const m = { ...(value as Record<string, unknown>) };
  if (!isSymbol(m.symbol)) return { ok: false, reason: "symbol missing or not a valid symbol" };
  if (typeof m.measurement !== "string") return { ok: false, reason: "measurement missing or not a string" };
  if (typeof m.measure_id !== "string") return { ok: false, reason: "measure_id missing or not a string" };
  for (const field of WINDOW_TIME_FIELDS) {
    if (typeof m[field] !== "string") continue;
    const nanos = epochNanoseconds(m[field]);
    if (nanos === undefined) return { ok: false, reason: `${field} is not an ISO-8601 date-time` };
    m[field] = nanos;
  }
  return { ok: true, value: m as Measurement };
}

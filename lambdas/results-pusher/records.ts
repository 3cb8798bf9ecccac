import type { KinesisStreamRecord } from "aws-lambda";
import { isSymbol } from "../shared/symbols";

/** A ripples result; the values besides these three keys pass through untouched. */
export interface Measurement {
  readonly symbol: string;
  readonly measurement: string;
  readonly measure_id: string;
  readonly [key: string]: unknown;
}

export type Decoded = { readonly ok: true; readonly value: Measurement } | { readonly ok: false; readonly reason: string };

/** Reasons are fixed strings, so a log line never carries payload bytes. */
export function decodeRecord(record: KinesisStreamRecord): Decoded {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(record.kinesis.data, "base64").toString("utf8"));
  } catch {
    return { ok: false, reason: "not JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, reason: "not a JSON object" };
  const m = value as Record<string, unknown>;
  if (!isSymbol(m.symbol)) return { ok: false, reason: "symbol missing or not a valid symbol" };
  if (typeof m.measurement !== "string") return { ok: false, reason: "measurement missing or not a string" };
  if (typeof m.measure_id !== "string") return { ok: false, reason: "measure_id missing or not a string" };
  return { ok: true, value: m as Measurement };
}

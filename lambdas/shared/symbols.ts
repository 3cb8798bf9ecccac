/**
 * A market symbol as the ingest and ripples services write it: upper-case letters and digits, then up to
 * 31 more of those or `. : / _ -` (AAPL, BRK.B, BTC/USD, X:BTCUSD). Upper case only, because the results
 * pusher matches symbols exactly; a lower-case subscription would silently never receive data.
 * Documented in help/websocket-protocol.md.
 */
export const SYMBOL_PATTERN = /^[A-Z0-9][A-Z0-9.:/_-]{0,31}$/;

export function isSymbol(value: unknown): value is string {
  return typeof value === "string" && SYMBOL_PATTERN.test(value);
}

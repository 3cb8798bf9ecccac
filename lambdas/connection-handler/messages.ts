import { SYMBOL_PATTERN, isSymbol } from "../shared/symbols";

/** API Gateway allows 128 KB frames; a subscription never needs more than this, so more is refused unread. */
export const MAX_BODY_BYTES = 4096;

export type ErrorCode =
  | "payload_too_large"
  | "invalid_json"
  | "invalid_message"
  | "unknown_action"
  | "too_many_symbols"
  | "invalid_symbol"
  | "too_many_subscriptions";

export type Failure = { readonly ok: false; readonly error: ErrorCode; readonly message: string };

export type ParsedMessage =
  { readonly ok: true; readonly action: "subscribe" | "unsubscribe"; readonly symbols: readonly string[] } | Failure;

const ACTIONS = new Set(["subscribe", "unsubscribe"]);

/**
 * Accepts `{"subscribeTo": [...]}` (the predecessor dashboard's message) and
 * `{"action": "subscribe" | "unsubscribe", "symbols": [...]}`. Other keys are ignored so clients can add
 * fields without breaking; the error messages never echo client input.
 */
export function parseMessage(body: string | undefined, isBase64Encoded: boolean, maxSymbols: number): ParsedMessage {
  const raw = body ?? "";
  const bytes = isBase64Encoded ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8");
  if (bytes.length > MAX_BODY_BYTES) return fail("payload_too_large", `a message is at most ${MAX_BODY_BYTES} bytes`);

  let data: unknown;
  try {
    data = JSON.parse(bytes.toString("utf8"));
  } catch {
    return fail("invalid_json", "the message is not valid JSON");
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return fail(
      "invalid_message",
      'expected an object: {"action": "subscribe" | "unsubscribe", "symbols": [...]} or {"subscribeTo": [...]}',
    );
  }

  const message = data as Record<string, unknown>;
  let action: "subscribe" | "unsubscribe";
  let symbols: unknown;
  if ("subscribeTo" in message) {
    if ("action" in message) return fail("invalid_message", '"subscribeTo" cannot be combined with "action"');
    action = "subscribe";
    symbols = message.subscribeTo;
  } else if ("action" in message) {
    if (typeof message.action !== "string" || !ACTIONS.has(message.action)) {
      return fail("unknown_action", '"action" must be "subscribe" or "unsubscribe"');
    }
    action = message.action as "subscribe" | "unsubscribe";
    symbols = message.symbols;
  } else {
    return fail("invalid_message", 'expected "action" and "symbols", or "subscribeTo"');
  }

  if (!Array.isArray(symbols) || symbols.length === 0) return fail("invalid_message", "symbols must be a non-empty array of strings");
  if (symbols.length > maxSymbols)
    return fail("too_many_symbols", `a message holds at most ${maxSymbols} symbols, this one has ${symbols.length}`);
  const bad = symbols.findIndex((s) => !isSymbol(s));
  if (bad >= 0) return fail("invalid_symbol", `symbol ${bad} does not match ${SYMBOL_PATTERN.source}`);

  return { ok: true, action, symbols: [...new Set(symbols as string[])] };
}

export function fail(error: ErrorCode, message: string): Failure {
  return { ok: false, error, message };
}

/**
 * The connection table's layout, shared by modules/connection-table (synth) and the Lambdas (runtime).
 * No imports here: the stacks load this file without pulling in the AWS SDK.
 */

/** "Who is subscribed to this symbol": keys only, hash SUBSCRIBED_SYMBOL_ATTRIBUTE, range connectionId. */
export const CONNECTIONS_BY_SYMBOL_INDEX = "StreamLinesWebsocketGetConnectionsBySymbolIndex";

/**
 * The index's hash key, a copy of `symbol` on subscription items only. The `$connect` sentinel lacks it,
 * so the index is sparse: no sentinel ever lands in it, and no one partition holds every connection.
 */
export const SUBSCRIBED_SYMBOL_ATTRIBUTE = "subscribedSymbol";

/**
 * Native relay: when a client speaks a provider's own API and its request goes to that provider,
 * the client's body goes upstream as it came (only `model` and `stream` set by the gateway) and
 * the provider's answer comes back as it came, so what the internal request cannot carry
 * (Anthropic's thinking signatures, `cache_control`, citations) survives multi-turn use. The
 * internal request and answer still travel beside them: routing, limits, records, usage and a
 * destination of another provider use those.
 *
 * Both are kept as non-enumerable symbol properties: invisible to JSON (cache keys, stored
 * answers) and to comparisons, carried by the objects the pipeline already passes along.
 */

/** The client's own Anthropic Messages body, on the internal chat request decoded from it. */
export const ANTHROPIC_REQUEST: unique symbol = Symbol("gateway.anthropic.request");

/** The upstream's own Anthropic message, on the internal answer parsed from it. */
export const ANTHROPIC_ANSWER: unique symbol = Symbol("gateway.anthropic.answer");

/** What an Anthropic destination sends instead of translating. */
export interface AnthropicRequest {
  /** The client's body without `model` and `stream`. */
  body: Record<string, unknown>;
  /** The client's `anthropic-beta` header (features such as interleaved thinking). */
  beta: string | null;
}

/** Puts `value` on `target` under `key`, hidden from JSON, spreads and comparisons. */
export function attachNative<T extends object>(target: T, key: symbol, value: unknown): T {
  Object.defineProperty(target, key, { value, enumerable: false, configurable: true });
  return target;
}

/** The value `attachNative` put on `target` under `key`, if any. */
export function nativeOf<V>(target: unknown, key: symbol): V | undefined {
  return typeof target === "object" && target !== null
    ? (target as Record<symbol, V | undefined>)[key]
    : undefined;
}

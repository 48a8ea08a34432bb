/**
 * A schema for embedding vectors: thousands of floats per input, so it checks them with one plain
 * loop instead of a schema parse per element (which costs milliseconds per response).
 */
import { z } from "zod";

function isFloatVector(value: unknown): value is number[] {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== "number") return false;
  return true;
}

/** A list of numbers, validated without a per-element parse. */
export const FloatVector = z.custom<number[]>(isFloatVector, {
  message: "expected a list of numbers",
});

/** Plain JSON objects, told apart from arrays and null (used wherever parsed JSON is walked). */

/** Whether `value` is a JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** TGI finish reasons in OpenAI's values. */

/** `length` stays; `eos_token` and `stop_sequence` (and `stop`) are `stop`. */
export function mapTgiFinishReason(reason: string | null | undefined): string | null {
  switch (reason) {
    case null:
    case undefined:
      return null;
    case "eos_token":
    case "stop_sequence":
    case "stop":
      return "stop";
    case "length":
      return "length";
    default:
      return reason;
  }
}

/** The MLflow scoring server's answers: `{"predictions": ...}` and its error body. */
import { z } from "zod";

/** A scoring answer; `predictions` is read by hand, since its shape depends on the model. */
export const WirePredictions = z.object({ predictions: z.unknown().optional() }).loose();

/** MLflow's REST error: `{"error_code": "...", "message": "...", "stack_trace"?: "..."}`. */
export const WireError = z.object({
  error_code: z.string().nullish(),
  message: z.string().nullish(),
  detail: z.unknown().optional(),
  error: z.unknown().optional(),
}).loose();

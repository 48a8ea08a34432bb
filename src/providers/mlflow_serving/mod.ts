/** The `mlflow-model-serving` provider (scaffold: its operations are being written). */
import { z } from "zod";
import type { Provider } from "../../core/provider.ts";

export const mlflowServingProvider: Provider = {
  name: "mlflow-model-serving",
  displayName: "MLflow model serving",
  configSchema: z.object({
    model_server_url: z.unknown().optional(),
  }),
  secretKeys: [],
  supportsTools: false,
};

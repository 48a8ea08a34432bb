/**
 * What the registry knows of this provider (MLflow model serving) before its implementation
 * (mod.ts) is loaded: enough to check a config. mod.ts is loaded only when a served config uses it.
 */
import type { ProviderInfo } from "../../core/provider.ts";
import { MlflowServingConfig, SERVING_NAME } from "./config.ts";

export const mlflowServingInfo: ProviderInfo<MlflowServingConfig> = {
  name: "mlflow-model-serving",
  displayName: SERVING_NAME,
  configSchema: MlflowServingConfig,
  secretKeys: [],
  supportsTools: false,
  serves: {
    chat: { stream: false },
    completions: { stream: false },
    embeddings: { stream: false },
  },
  load: () => import("./mod.ts").then((mod) => mod.mlflowServingProvider),
};

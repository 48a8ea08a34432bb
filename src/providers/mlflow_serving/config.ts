/** The `model.config` block of the `mlflow-model-serving` provider. */
import { z } from "zod";
import { lazySchema } from "../../schemas/lazy.ts";

export const SERVING_NAME = "MLflow model serving";

export const MlflowServingConfig = lazySchema(() =>
  z.object({
    model_server_url: z.url({ protocol: /^https?$/ })
      .describe(
        "base URL of an MLflow model server (`mlflow models serve`); `/invocations` is appended",
      ),
  })
);
export type MlflowServingConfig = z.infer<typeof MlflowServingConfig>;

/** The scoring URL: `{model_server_url}/invocations`. */
export function invocationsUrl(config: MlflowServingConfig): string {
  return `${config.model_server_url.replace(/\/+$/, "")}/invocations`;
}

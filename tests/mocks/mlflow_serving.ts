/**
 * A local mock of MLflow's scoring server (`mlflow models serve`): `POST /invocations` taking
 * `{"inputs": [...], "params": {...}}`, with its `{"error_code","message","stack_trace"}` errors
 * for unsupported content types and malformed inputs. Several models are served side by side
 * under path prefixes (`/text`, `/choices`, `/single-key`, `/embeddings`, `/flat`, `/broken`),
 * each answering in one of the `predictions` shapes MLflow's gateway accepts.
 */
import { answerFault, FaultQueue, type MockServer, Recorder, serveMock } from "./fault.ts";

export interface MockMlflowServing extends MockServer {
  recorder: Recorder;
  faults: FaultQueue;
  /** The `model_server_url` of one of the served models. */
  modelUrl(model: ServedModel): string;
}

export type ServedModel = "text" | "choices" | "single-key" | "embeddings" | "flat" | "broken";

type Json = Record<string, unknown>;

const INPUT_FIELDS = ["dataframe_split", "dataframe_records", "inputs", "instances"];

function mlflowError(status: number, message: string): Response {
  return Response.json({
    error_code: "BAD_REQUEST",
    message,
    stack_trace:
      'Traceback (most recent call last):\n  File "/srv/mlflow/pyfunc/scoring_server/__init__.py"',
  }, { status });
}

function embeddingOf(text: string): number[] {
  return Array.from(
    { length: 4 },
    (_, i) => ((text.charCodeAt(i % Math.max(text.length, 1)) || 0) % 10) / 10,
  );
}

function predict(model: ServedModel, inputs: unknown[], params: Json): unknown {
  const texts = inputs.map((input) =>
    `Echo: ${typeof input === "string" ? input : JSON.stringify(input)}`
  );
  const max = typeof params.max_tokens === "number" ? params.max_tokens : undefined;
  const limited = max === undefined
    ? texts
    : texts.map((t) => t.split(" ").slice(0, max).join(" "));
  switch (model) {
    case "text":
      return { predictions: limited };
    case "choices":
      return { predictions: { choices: limited, model_version: "3" } };
    case "single-key":
      return { predictions: { candidates: limited } };
    case "embeddings":
      return { predictions: inputs.map((i) => embeddingOf(String(i))) };
    case "flat":
      return { predictions: embeddingOf(String(inputs[0])) };
    case "broken":
      return { outputs: limited };
  }
}

/** Starts the mock on a free loopback port. */
export function startMockMlflowServing(): MockMlflowServing {
  const recorder = new Recorder();
  const faults = new FaultQueue();
  const models = new Set<string>(["text", "choices", "single-key", "embeddings", "flat", "broken"]);

  const handle = async (request: Request): Promise<Response> => {
    const entry = await recorder.record(request);
    const [, model, route] = new URL(request.url).pathname.split("/");
    if (!model || !models.has(model) || route !== "invocations") {
      return new Response("<!doctype html><title>404 Not Found</title>", {
        status: 404,
        headers: { "content-type": "text/html" },
      });
    }
    if (request.method !== "POST") return new Response(null, { status: 405 });
    const fault = faults.next();
    const faulted = await answerFault(fault, request.signal);
    if (faulted) return faulted;
    if (fault?.kind === "malformed") {
      return new Response('{"predictions": ["unterminated', {
        headers: { "content-type": "application/json" },
      });
    }
    const type = (entry.headers["content-type"] ?? "").split(";")[0]?.trim();
    if (type !== "application/json" && type !== "text/csv") {
      return mlflowError(
        415,
        `This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got '${type}'.`,
      );
    }
    const body = entry.body;
    const fields = body && typeof body === "object" && !Array.isArray(body)
      ? Object.keys(body).filter((k) => k !== "params")
      : [];
    if (fields.length !== 1 || !INPUT_FIELDS.includes(fields[0]!)) {
      return mlflowError(
        400,
        `Invalid input. The input must be a JSON dictionary with exactly one of the input fields {'dataframe_split', 'instances', 'inputs', 'dataframe_records'}. Received dictionary with input fields: ${
          JSON.stringify(fields)
        }.`,
      );
    }
    const { inputs, params } = body as { inputs?: unknown; params?: unknown };
    if (!Array.isArray(inputs)) {
      return mlflowError(400, "Failed to parse input: 'inputs' must be a list for this model");
    }
    if (params !== undefined && (params === null || typeof params !== "object")) {
      return mlflowError(400, "Failed to parse params: 'params' must be a dictionary");
    }
    return Response.json(predict(model as ServedModel, inputs, (params ?? {}) as Json));
  };

  const server = serveMock(handle);
  return {
    ...server,
    recorder,
    faults,
    modelUrl: (model) => `${server.url}/${model}`,
  };
}

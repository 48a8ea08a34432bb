/** `gateway query`: sends one prompt to a running gateway and prints the answer as it streams. */
import { numberOption, parse } from "./args.ts";
import { print, printError, readStdin, UsageError, write } from "./output.ts";
import { call, ClientError, gatewayUrl, getJson } from "./client.ts";
import { parseSse } from "../core/sse.ts";
import type { ModelList } from "../schemas/endpoints.ts";

export const QUERY_HELP = `Usage: gateway query <endpoint> "<prompt>" [options]

Sends a prompt to an endpoint or route of a running gateway. Chat and completions answers are
printed as they stream; embeddings print their dimension and first values. A prompt of '-' is
read from stdin.

Options:
  --url U            the gateway (default $GATEWAY_URL or http://127.0.0.1:5000)
  --system S         a system message (chat endpoints)
  --temperature T    sampling temperature, 0 to 2
  --max-tokens N     the most tokens to generate
  --no-stream        wait for the whole answer instead of streaming it
  --json             print the raw JSON response (implies --no-stream)

Exit codes: 0 on success, 1 when the gateway answers with an error or cannot be reached.`;

interface QueryOptions {
  system: string | undefined;
  temperature: number | undefined;
  maxTokens: number | undefined;
  stream: boolean;
  json: boolean;
}

function samplingFields(o: QueryOptions): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (o.temperature !== undefined) fields.temperature = o.temperature;
  if (o.maxTokens !== undefined) fields.max_tokens = o.maxTokens;
  return fields;
}

async function post(base: string, path: string, body: unknown): Promise<Response> {
  return await call(base, path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Prints the text of each SSE chunk as it arrives; an error event fails the command. */
async function printStream(
  response: Response,
  textOf: (chunk: Record<string, unknown>) => string,
): Promise<void> {
  if (!response.body) return;
  let wroteAny = false;
  for await (const event of parseSse(response.body)) {
    if (event.data === "[DONE]") break;
    const chunk = JSON.parse(event.data) as Record<string, unknown> & {
      error?: { message?: string };
    };
    if (chunk.error) {
      if (wroteAny) write("\n");
      throw new ClientError(`the stream broke off: ${chunk.error.message ?? "unknown error"}`);
    }
    const text = textOf(chunk);
    if (text !== "") {
      write(text);
      wroteAny = true;
    }
  }
  write("\n");
}

type Choices<T> = { choices?: T[] };

export async function queryCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    url: { type: "string" },
    system: { type: "string" },
    temperature: { type: "string" },
    "max-tokens": { type: "string" },
    "no-stream": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  }, { min: 2, max: 2 });
  const [endpoint, promptArg] = positionals as [string, string];
  const options: QueryOptions = {
    system: values.system,
    temperature: numberOption("temperature", values.temperature, (n) => n >= 0 && n <= 2),
    maxTokens: numberOption(
      "max-tokens",
      values["max-tokens"],
      (n) => Number.isInteger(n) && n >= 1,
    ),
    stream: !values["no-stream"] && !values.json,
    json: values.json,
  };
  const prompt = promptArg === "-" ? (await readStdin()).replace(/\n$/, "") : promptArg;
  if (prompt === "") throw new UsageError("the prompt is empty");
  const base = gatewayUrl(values.url);
  try {
    const models = await getJson<ModelList>(base, "/v1/models");
    const target = models.data.find((m) => m.id === endpoint);
    if (!target) {
      const names = models.data.map((m) => m.id).join(", ");
      throw new ClientError(
        `no endpoint or route named '${endpoint}' at ${base} (available: ${names || "none"})`,
      );
    }
    if (target.endpoint_type === "llm/v1/embeddings") {
      const response = await post(base, "/v1/embeddings", { model: endpoint, input: prompt });
      const json = await response.json() as { data: { embedding: number[] }[] };
      if (options.json) {
        print(JSON.stringify(json, null, 2));
        return 0;
      }
      for (const item of json.data) {
        const head = item.embedding.slice(0, 8).map((x) => x.toFixed(6)).join(", ");
        print(
          `dimension ${item.embedding.length}: [${head}${
            item.embedding.length > 8 ? ", ..." : ""
          }]`,
        );
      }
      return 0;
    }
    const chat = target.endpoint_type === "llm/v1/chat";
    const body = chat
      ? {
        model: endpoint,
        messages: [...(options.system ? [{ role: "system", content: options.system }] : []), {
          role: "user",
          content: prompt,
        }],
        ...samplingFields(options),
        stream: options.stream,
      }
      : { model: endpoint, prompt, ...samplingFields(options), stream: options.stream };
    const response = await post(base, chat ? "/v1/chat/completions" : "/v1/completions", body);
    if (options.stream) {
      await printStream(
        response,
        (chunk) =>
          chat
            ? ((chunk as Choices<{ delta?: { content?: string | null } }>).choices?.[0]?.delta
              ?.content ?? "")
            : ((chunk as Choices<{ text?: string }>).choices?.[0]?.text ?? ""),
      );
      return 0;
    }
    const json = await response.json();
    if (options.json) {
      print(JSON.stringify(json, null, 2));
      return 0;
    }
    const first =
      (json as Choices<{ message?: { content?: unknown; tool_calls?: unknown }; text?: string }>)
        .choices?.[0];
    const content = chat ? first?.message?.content : first?.text;
    print(
      typeof content === "string"
        ? content
        : JSON.stringify(content ?? first?.message?.tool_calls ?? null),
    );
    return 0;
  } catch (error) {
    if (error instanceof ClientError) {
      printError(`gateway query: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

/**
 * A local mock of OpenAI's API (and Azure OpenAI's deployment paths), faithful where the gateway
 * depends on it: auth and required-field checks with OpenAI's error bodies, SSE framing with
 * `data: [DONE]`, usage in the last chunk when asked, tool calls (whole and streamed).
 */
import {
  FaultQueue,
  hangingResponse,
  type MockServer,
  Recorder,
  serveMock,
  sseStream,
} from "./fault.ts";

export interface MockOpenAIOptions {
  apiKey?: string;
  /** Milliseconds between streamed chunks. */
  chunkDelayMs?: number;
}

export interface MockOpenAI extends MockServer {
  recorder: Recorder;
  faults: FaultQueue;
  /** Base URL as `openai_api_base` expects it (with /v1). */
  baseUrl: string;
  options: MockOpenAIOptions;
}

type Json = Record<string, unknown>;

function error(
  status: number,
  message: string,
  extra: Json = {},
  headers: Record<string, string> = {},
): Response {
  return Response.json(
    { error: { message, type: "invalid_request_error", param: null, code: null, ...extra } },
    { status, headers },
  );
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((
      part,
    ) => (part && typeof part === "object" && "text" in part ? String(part.text) : "")).join("");
  }
  return "";
}

function words(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

interface Reply {
  content: string | null;
  toolCall?: { id: string; name: string; arguments: string };
}

/** What the mock answers: a tool call when tools are offered, else an echo of the last message. */
function chatReply(body: Json): Reply {
  const messages = body.messages as Json[];
  const last = messages[messages.length - 1] ?? {};
  const tools = body.tools as { function: { name: string } }[] | undefined;
  if (last.role === "tool") return { content: `Tool said: ${textOf(last.content)}` };
  if (tools && tools.length > 0 && body.tool_choice !== "none") {
    const name = tools[0]?.function.name ?? "tool";
    return {
      content: null,
      toolCall: { id: "call_mock_1", name, arguments: JSON.stringify({ q: textOf(last.content) }) },
    };
  }
  return { content: `Echo: ${textOf(last.content)}` };
}

const usage = (prompt: number, completion: number) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
});

function chatEvents(body: Json, reply: Reply): string[] {
  const base = {
    id: "chatcmpl-mock",
    object: "chat.completion.chunk",
    created: 1700000000,
    model: body.model ?? "azure-deployment",
    system_fingerprint: "fp_mock",
  };
  const chunk = (delta: Json, finish: string | null = null) =>
    `data: ${
      JSON.stringify({
        ...base,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      })
    }\n\n`;
  const events = [chunk({ role: "assistant", content: "", refusal: null })];
  if (reply.toolCall) {
    const { id, name, arguments: args } = reply.toolCall;
    events.push(
      chunk({
        tool_calls: [{ index: 0, id, type: "function", function: { name, arguments: "" } }],
      }),
    );
    const half = Math.floor(args.length / 2);
    events.push(
      chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(0, half) } }] }),
    );
    events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(half) } }] }));
    events.push(chunk({}, "tool_calls"));
  } else {
    for (const word of words(reply.content ?? "")) events.push(chunk({ content: word }));
    events.push(chunk({}, "stop"));
  }
  const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
  if (streamOptions?.include_usage) {
    events.push(
      `data: ${JSON.stringify({ ...base, choices: [], usage: usage(10, events.length - 2) })}\n\n`,
    );
  }
  events.push("data: [DONE]\n\n");
  return events;
}

function chatResponse(body: Json, reply: Reply): Json {
  return {
    id: "chatcmpl-mock",
    object: "chat.completion",
    created: 1700000000,
    model: body.model ?? "azure-deployment",
    system_fingerprint: "fp_mock",
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content: reply.content,
        refusal: null,
        annotations: [],
        ...(reply.toolCall
          ? {
            tool_calls: [{
              id: reply.toolCall.id,
              type: "function",
              function: { name: reply.toolCall.name, arguments: reply.toolCall.arguments },
            }],
          }
          : {}),
      },
      logprobs: null,
      finish_reason: reply.toolCall ? "tool_calls" : "stop",
    }],
    usage: usage(10, words(reply.content ?? "").length || 5),
  };
}

function embeddingOf(text: string, dimensions: number): number[] {
  return Array.from(
    { length: dimensions },
    (_, i) => ((text.charCodeAt(i % Math.max(text.length, 1)) || 0) % 100) / 100 + i / 1000,
  );
}

/** Starts the mock on a free loopback port. */
export function startMockOpenAI(options: MockOpenAIOptions = {}): MockOpenAI {
  const recorder = new Recorder();
  const faults = new FaultQueue();
  const apiKey = options.apiKey ?? "sk-mock-openai-key";

  const handle = async (request: Request): Promise<Response> => {
    const entry = await recorder.record(request);
    const url = new URL(request.url);
    const azure = /^\/openai\/deployments\/[^/]+\//.test(url.pathname);
    const path = azure
      ? url.pathname.replace(/^\/openai\/deployments\/[^/]+/, "/v1")
      : url.pathname;
    if (request.method !== "POST") {
      return error(405, `Invalid method for URL (${request.method} ${url.pathname})`);
    }
    if (azure) {
      if (!url.searchParams.get("api-version")) {
        return error(404, "Resource not found", { code: "404" });
      }
      if (
        entry.headers["api-key"] !== apiKey && entry.headers["authorization"] !== `Bearer ${apiKey}`
      ) {
        return Response.json({
          error: {
            code: "401",
            message: "Access denied due to invalid subscription key or wrong API endpoint.",
          },
        }, { status: 401 });
      }
    } else if (entry.headers["authorization"] !== `Bearer ${apiKey}`) {
      const given = (entry.headers["authorization"] ?? "").replace(/^Bearer /, "");
      // The real API echoes (part of) the key it was given; the gateway must not pass it on.
      return error(
        401,
        `Incorrect API key provided: ${given}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        { code: "invalid_api_key" },
      );
    }
    const fault = faults.next();
    if (fault?.kind === "status") {
      return Response.json(fault.body, { status: fault.status, headers: fault.headers ?? {} });
    }
    if (fault?.kind === "hang") return hangingResponse(request.signal);
    if (fault?.kind === "delay") await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === "malformed") {
      return new Response('{"id": "chatcmpl-broken", "choices": [', {
        headers: { "content-type": "application/json" },
      });
    }
    const body = entry.body as Json | undefined;
    if (!body || typeof body !== "object") {
      return error(400, "We could not parse the JSON body of your request.");
    }
    if (!azure && typeof body.model !== "string") {
      return error(400, "you must provide a model parameter");
    }

    if (path === "/v1/chat/completions") {
      if (!Array.isArray(body.messages) || body.messages.length === 0) {
        return error(400, "Missing required parameter: 'messages'.", {
          param: "messages",
          code: "missing_required_parameter",
        });
      }
      const reply = chatReply(body);
      if (body.stream === true) {
        const events = chatEvents(body, reply);
        return new Response(
          sseStream(events, {
            cutAfter: fault?.kind === "cut" ? fault.afterChunks : undefined,
            delayMs: options.chunkDelayMs ?? 0,
            onAbort: () => recorder.aborted++,
          }),
          { headers: { "content-type": "text/event-stream; charset=utf-8" } },
        );
      }
      return Response.json(chatResponse(body, reply));
    }
    if (path === "/v1/completions") {
      if (typeof body.prompt !== "string") {
        return error(400, "Missing required parameter: 'prompt'.", { param: "prompt" });
      }
      const text = `Echo: ${body.prompt}`;
      const base = {
        id: "cmpl-mock",
        object: "text_completion",
        created: 1700000000,
        model: body.model ?? "azure-deployment",
      };
      if (body.stream === true) {
        const events = words(text).map((w) =>
          `data: ${
            JSON.stringify({
              ...base,
              choices: [{ index: 0, text: w, logprobs: null, finish_reason: null }],
            })
          }\n\n`
        );
        events.push(
          `data: ${
            JSON.stringify({
              ...base,
              choices: [{ index: 0, text: "", logprobs: null, finish_reason: "stop" }],
            })
          }\n\n`,
        );
        if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) {
          events.push(
            `data: ${
              JSON.stringify({ ...base, choices: [], usage: usage(5, words(text).length) })
            }\n\n`,
          );
        }
        events.push("data: [DONE]\n\n");
        return new Response(
          sseStream(events, {
            cutAfter: fault?.kind === "cut" ? fault.afterChunks : undefined,
            delayMs: options.chunkDelayMs ?? 0,
            onAbort: () => recorder.aborted++,
          }),
          { headers: { "content-type": "text/event-stream" } },
        );
      }
      return Response.json({
        ...base,
        choices: [{ index: 0, text, logprobs: null, finish_reason: "stop" }],
        usage: usage(5, words(text).length),
      });
    }
    if (path === "/v1/embeddings") {
      const input = body.input;
      const items = typeof input === "string"
        ? [input]
        : Array.isArray(input)
        ? input.map((x) => (typeof x === "string" ? x : JSON.stringify(x)))
        : null;
      if (!items || items.length === 0) {
        return error(400, "'input' is a required property", { param: "input" });
      }
      const dimensions = typeof body.dimensions === "number" ? body.dimensions : 8;
      return Response.json({
        object: "list",
        data: items.map((text, index) => ({
          object: "embedding",
          index,
          embedding: embeddingOf(text, dimensions),
        })),
        model: body.model ?? "azure-deployment",
        usage: { prompt_tokens: items.length * 2, total_tokens: items.length * 2 },
      });
    }
    return error(404, `Invalid URL (POST ${url.pathname})`);
  };

  const server = serveMock(handle);
  return { ...server, baseUrl: `${server.url}/v1`, recorder, faults, options };
}

/**
 * A local mock of Google's Gemini API (generativelanguage.googleapis.com, v1beta), faithful where
 * the gateway depends on it: the `x-goog-api-key` header, the `:generateContent`,
 * `:streamGenerateContent?alt=sse` and `:batchEmbedContents` paths, Google's error bodies
 * (400 INVALID_ARGUMENT for unknown fields, bad roles, empty contents; 429 with RetryInfo),
 * Gemini 3's thought-signature check, function calls when tools are offered, and SSE framing
 * with CRLF separators. A fault queue makes it fail on demand.
 */
import {
  answerFault,
  type Fault,
  FaultQueue,
  type MockServer,
  Recorder,
  serveMock,
  sseStream,
} from "./fault.ts";

export interface MockGeminiOptions {
  apiKey?: string;
  /** Milliseconds between streamed events. */
  chunkDelayMs?: number;
  /** Refuse function-call turns sent back without a thought signature, as Gemini 3 does. */
  requireThoughtSignatures?: boolean;
  /** Length of embedding vectors when `outputDimensionality` is not given. */
  embeddingDimensions?: number;
}

export interface MockGemini extends MockServer {
  recorder: Recorder;
  faults: FaultQueue;
  /** Base URL as `gemini_api_base` expects it (the adapter appends /v1beta/models/...). */
  baseUrl: string;
  options: MockGeminiOptions;
}

type Json = Record<string, unknown>;

/** The signature this mock puts on the first function call of a turn. */
export const MOCK_THOUGHT_SIGNATURE = "Q2lRQjBlMkdtb2NrLXNpZ25hdHVyZQ==";

/** Google's error body. */
export function googleError(code: number, status: string, message: string, details?: Json[]): Json {
  return { error: { code, message, status, ...(details ? { details } : {}) } };
}

/** A 429 fault as Gemini sends it: QuotaFailure, Help and RetryInfo details, no header. */
export function rateLimitFault(retryDelay: string): Fault {
  return {
    kind: "status",
    status: 429,
    body: googleError(
      429,
      "RESOURCE_EXHAUSTED",
      "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
      [
        {
          "@type": "type.googleapis.com/google.rpc.QuotaFailure",
          violations: [{
            quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_requests",
            quotaId: "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
          }],
        },
        {
          "@type": "type.googleapis.com/google.rpc.Help",
          links: [{
            description: "Learn more about Gemini API quotas",
            url: "https://ai.google.dev/gemini-api/docs/rate-limits",
          }],
        },
        { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay },
      ],
    ),
  };
}

/** A 500 or 503 fault with Google's body. */
export function serverFault(status: 500 | 503): Fault {
  return status === 500
    ? {
      kind: "status",
      status,
      body: googleError(
        500,
        "INTERNAL",
        "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
      ),
    }
    : {
      kind: "status",
      status,
      body: googleError(503, "UNAVAILABLE", "The model is overloaded. Please try again later."),
    };
}

function reply(status: number, code: string, message: string, details?: Json[]): Response {
  return Response.json(googleError(status, code, message, details), { status });
}

const invalid = (message: string) => reply(400, "INVALID_ARGUMENT", message);

const REQUEST_FIELDS = new Set([
  "contents",
  "systemInstruction",
  "system_instruction",
  "tools",
  "toolConfig",
  "tool_config",
  "generationConfig",
  "generation_config",
  "safetySettings",
  "cachedContent",
]);
const GENERATION_FIELDS = new Set([
  "temperature",
  "topP",
  "topK",
  "maxOutputTokens",
  "stopSequences",
  "candidateCount",
  "presencePenalty",
  "frequencyPenalty",
  "seed",
  "responseMimeType",
  "responseSchema",
  "responseJsonSchema",
  "responseLogprobs",
  "logprobs",
  "thinkingConfig",
]);
const PART_FIELDS = new Set([
  "text",
  "inlineData",
  "fileData",
  "functionCall",
  "functionResponse",
  "thought",
  "thoughtSignature",
  "executableCode",
  "codeExecutionResult",
  "videoMetadata",
]);
const DECLARATION_FIELDS = new Set([
  "name",
  "description",
  "parameters",
  "parametersJsonSchema",
  "response",
  "responseJsonSchema",
  "behavior",
]);

function unknownField(object: unknown, known: Set<string>, where: string): Response | undefined {
  if (object === null || typeof object !== "object") return undefined;
  for (const key of Object.keys(object)) {
    if (!known.has(key)) {
      return invalid(
        `Invalid JSON payload received. Unknown name "${key}" at '${where}': Cannot find field.`,
      );
    }
  }
  return undefined;
}

interface Part {
  text?: string;
  functionCall?: { name: string; args?: Json; id?: string };
  functionResponse?: { name: string; response: Json; id?: string };
  thoughtSignature?: string;
}
interface Content {
  role?: string;
  parts: Part[];
}

/** Google's checks of a generateContent body, in its words; undefined when it is fine. */
function checkGenerate(body: Json, options: MockGeminiOptions): Response | undefined {
  const bad = unknownField(body, REQUEST_FIELDS, "") ??
    unknownField(body.generationConfig, GENERATION_FIELDS, "generation_config");
  if (bad) return bad;
  const contents = body.contents as Content[] | undefined;
  if (!Array.isArray(contents) || contents.length === 0) {
    return invalid("* GenerateContentRequest.contents: contents is not specified\n");
  }
  for (const [i, content] of contents.entries()) {
    if (content.role !== "user" && content.role !== "model") {
      return invalid("Please use a valid role: user, model.");
    }
    if (!Array.isArray(content.parts) || content.parts.length === 0) {
      return invalid(
        `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.\n`,
      );
    }
    for (const [j, part] of content.parts.entries()) {
      const wrong = unknownField(part, PART_FIELDS, `contents[${i}].parts[${j}]`);
      if (wrong) return wrong;
    }
    const calls = content.parts.filter((p) => p.functionCall);
    if (
      options.requireThoughtSignatures !== false && calls.length > 0 && !calls[0]?.thoughtSignature
    ) {
      return invalid(
        `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${
          calls[0]?.functionCall?.name
        }\` , position ${
          i + 1
        }. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`,
      );
    }
    const responses = content.parts.filter((p) => p.functionResponse);
    if (responses.length > 0) {
      const previous = contents[i - 1]?.parts.filter((p) => p.functionCall) ?? [];
      if (previous.length !== responses.length) {
        return invalid(
          "Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.",
        );
      }
      if (
        responses.some((p) =>
          typeof p.functionResponse?.name !== "string" || p.functionResponse.name === ""
        )
      ) {
        return invalid(
          `* GenerateContentRequest.contents[${i}].parts: function_response.name must not be empty.\n`,
        );
      }
    }
  }
  const tools = (body.tools ?? []) as { functionDeclarations?: Json[] }[];
  for (const [t, tool] of tools.entries()) {
    for (const [d, declaration] of (tool.functionDeclarations ?? []).entries()) {
      const wrong = unknownField(
        declaration,
        DECLARATION_FIELDS,
        `tools[${t}].function_declarations[${d}]`,
      );
      if (wrong) return wrong;
      if (declaration.parameters !== undefined && declaration.parametersJsonSchema !== undefined) {
        return invalid("parameters and parameters_json_schema are mutually exclusive.");
      }
    }
  }
  return undefined;
}

function words(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

function textOf(content: Content | undefined): string {
  return (content?.parts ?? []).map((p) => p.text ?? "").join("");
}

interface Answer {
  parts: Part[];
  finishReason: string;
  blocked?: boolean;
}

/** What the mock answers: a tool call when tools are offered to a user turn, else an echo. */
function answer(body: Json): Answer {
  const contents = body.contents as Content[];
  const last = contents[contents.length - 1];
  const responses = (last?.parts ?? []).filter((p) => p.functionResponse);
  if (responses.length > 0) {
    const said = responses.map((p) => JSON.stringify(p.functionResponse?.response)).join(" ");
    return { parts: [{ text: `Tool said: ${said}` }], finishReason: "STOP" };
  }
  const text = textOf(last);
  if (text.includes("BLOCK_ME")) return { parts: [], finishReason: "", blocked: true };
  const declarations = ((body.tools ?? []) as { functionDeclarations?: { name: string }[] }[])
    .flatMap((tool) => tool.functionDeclarations ?? []);
  const config = (body.toolConfig as { functionCallingConfig?: Json } | undefined)
    ?.functionCallingConfig;
  if (declarations.length > 0 && config?.mode !== "NONE" && last?.role === "user") {
    const allowed = config?.allowedFunctionNames as string[] | undefined;
    const names = (allowed ?? declarations.map((d) => d.name)).slice(0, 2);
    return {
      parts: names.map((name, i) => ({
        functionCall: { name, args: { q: text } },
        ...(i === 0 ? { thoughtSignature: MOCK_THOUGHT_SIGNATURE } : {}),
      })),
      finishReason: "STOP",
    };
  }
  const generation = (body.generationConfig ?? {}) as Json;
  let reply = generation.responseMimeType === "application/json"
    ? JSON.stringify({ echo: text })
    : `Echo: ${text}`;
  const max = generation.maxOutputTokens;
  if (typeof max === "number" && words(reply).length > max) {
    reply = words(reply).slice(0, max).join("");
    return { parts: [{ text: reply }], finishReason: "MAX_TOKENS" };
  }
  return { parts: [{ text: reply }], finishReason: "STOP" };
}

function usage(body: Json, parts: Part[], done: boolean): Json {
  const prompt = (body.contents as Content[]).reduce((n, c) => n + words(textOf(c)).length, 0) + 2;
  const output = parts.reduce((n, p) => n + (p.text ? words(p.text).length : 5), 0);
  return done
    ? {
      promptTokenCount: prompt,
      candidatesTokenCount: output,
      totalTokenCount: prompt + output + 4,
      thoughtsTokenCount: 4,
    }
    : { promptTokenCount: prompt, totalTokenCount: prompt };
}

function generateResponse(body: Json, model: string, result: Answer): Json {
  const base = { modelVersion: model, responseId: "mock-response-1" };
  if (result.blocked) {
    return {
      promptFeedback: { blockReason: "SAFETY" },
      usageMetadata: usage(body, [], false),
      ...base,
    };
  }
  const count = ((body.generationConfig ?? {}) as Json).candidateCount as number | undefined ?? 1;
  return {
    candidates: Array.from({ length: count }, (_, index) => ({
      content: { parts: result.parts, role: "model" },
      finishReason: result.finishReason,
      index,
    })),
    usageMetadata: usage(body, result.parts, true),
    ...base,
  };
}

/** The events of a stream: text a word or two at a time, each function call in its own event. */
function streamEvents(body: Json, model: string, result: Answer, malformed: boolean): string[] {
  if (result.blocked) {
    return [`data: ${JSON.stringify(generateResponse(body, model, result))}\r\n\r\n`];
  }
  const pieces: Part[] = result.parts.flatMap((part) =>
    part.text === undefined
      ? [part]
      : (words(part.text).length ? words(part.text) : [""]).map((w) => ({ text: w }))
  );
  const count = ((body.generationConfig ?? {}) as Json).candidateCount as number | undefined ?? 1;
  const events = pieces.map((piece, i) => {
    const done = i === pieces.length - 1;
    return `data: ${
      JSON.stringify({
        candidates: Array.from({ length: count }, (_, index) => ({
          content: { parts: [piece], role: "model" },
          ...(done ? { finishReason: result.finishReason } : {}),
          index,
        })),
        usageMetadata: usage(body, done ? result.parts : [], done),
        modelVersion: model,
        responseId: "mock-response-1",
      })
    }\r\n\r\n`;
  });
  if (malformed) events.splice(1, 0, 'data: {"candidates": [{"content": \r\n\r\n');
  return events;
}

function embeddingOf(text: string, dimensions: number): number[] {
  return Array.from(
    { length: dimensions },
    (_, i) => ((text.charCodeAt(i % Math.max(text.length, 1)) || 0) % 100) / 100 + i / 1000,
  );
}

function batchEmbed(body: Json, resource: string, options: MockGeminiOptions): Response {
  const requests = body.requests as Json[] | undefined;
  if (!Array.isArray(requests) || requests.length === 0) {
    return invalid("* BatchEmbedContentsRequest.requests: requests is not specified\n");
  }
  const embeddings = [];
  for (const [i, request] of requests.entries()) {
    if (request.model !== resource) {
      return invalid(
        `* BatchEmbedContentsRequest.requests[${i}].model: Model name in the request '${request.model}' does not match the model in the URL '${resource}'.\n`,
      );
    }
    const parts = (request.content as { parts?: Part[] } | undefined)?.parts;
    if (!Array.isArray(parts) || parts.length === 0) {
      return invalid(
        `* BatchEmbedContentsRequest.requests[${i}].content.parts: contents.parts must not be empty.\n`,
      );
    }
    const dimensions = typeof request.outputDimensionality === "number"
      ? request.outputDimensionality
      : options.embeddingDimensions ?? 8;
    embeddings.push({ values: embeddingOf(parts.map((p) => p.text ?? "").join(""), dimensions) });
  }
  return Response.json({ embeddings });
}

const PATH = /^\/v1beta\/(models|tunedModels)\/([^/:]+):([A-Za-z]+)$/;

/** Starts the mock on a free loopback port. */
export function startMockGemini(options: MockGeminiOptions = {}): MockGemini {
  const recorder = new Recorder();
  const faults = new FaultQueue();
  const apiKey = options.apiKey ?? "AIzaMockGeminiKey-0123456789abcdefghijk";

  const handle = async (request: Request): Promise<Response> => {
    const entry = await recorder.record(request);
    const url = new URL(request.url);
    const match = PATH.exec(url.pathname);
    if (!match || request.method !== "POST") {
      // Google's front end answers unknown paths with an HTML page
      return new Response(
        `<!DOCTYPE html><html lang=en><title>Error 404 (Not Found)!!1</title><p>The requested URL <code>${url.pathname}</code> was not found on this server.</p></html>`,
        { status: 404, headers: { "content-type": "text/html; charset=UTF-8" } },
      );
    }
    const resource = `${match[1]}/${match[2]}`;
    const method = match[3];
    const key = entry.headers["x-goog-api-key"];
    if (key === undefined) {
      return reply(
        403,
        "PERMISSION_DENIED",
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      );
    }
    if (key !== apiKey) {
      return reply(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", [
        {
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason: "API_KEY_INVALID",
          domain: "googleapis.com",
          metadata: { service: "generativelanguage.googleapis.com" },
        },
      ]);
    }
    const fault = faults.next();
    const faulted = await answerFault(fault, request.signal);
    if (faulted) return faulted;
    const body = entry.body as Json | undefined;
    if (!body || typeof body !== "object") {
      return invalid("Invalid JSON payload received. Unexpected token.");
    }
    if (method === "batchEmbedContents") {
      if (fault?.kind === "malformed") {
        return new Response('{"embeddings": [{"values": [0.1,', {
          headers: { "content-type": "application/json" },
        });
      }
      return batchEmbed(body, resource, options);
    }
    if (method !== "generateContent" && method !== "streamGenerateContent") {
      return reply(404, "NOT_FOUND", `Method not found: ${method}`);
    }
    const problem = checkGenerate(body, options);
    if (problem) return problem;
    const model = match[2] ?? "";
    const result = answer(body);
    if (method === "generateContent") {
      if (fault?.kind === "malformed") {
        return new Response('{"candidates": [{"content": {"parts": [{"text": "Ech', {
          headers: { "content-type": "application/json; charset=UTF-8" },
        });
      }
      return Response.json(generateResponse(body, model, result));
    }
    if (url.searchParams.get("alt") !== "sse") {
      // Without alt=sse the method streams a JSON array, which an SSE reader cannot use.
      return Response.json([generateResponse(body, model, result)]);
    }
    return new Response(
      sseStream(streamEvents(body, model, result, fault?.kind === "malformed"), {
        cutAfter: fault?.kind === "cut" ? fault.afterChunks : undefined,
        delayMs: options.chunkDelayMs ?? 0,
        onAbort: () => recorder.aborted++,
      }),
      { headers: { "content-type": "text/event-stream" } },
    );
  };

  const server = serveMock(handle);
  return { ...server, baseUrl: server.url, recorder, faults, options };
}

import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import type { CallContext, TranslationWarning } from "../../core/provider.ts";
import type { ChatRequest } from "../../schemas/chat.ts";
import type { CompletionsRequest } from "../../schemas/completions.ts";
import type { TgiConfig } from "./config.ts";
import {
  buildTgiChatRequest,
  buildTgiGenerateRequest,
  toTgiChatBody,
  toTgiGenerateBody,
} from "./request.ts";
import { TgiConfig as TgiConfigSchema } from "./config.ts";

function ctx(stream = false, key?: string): CallContext<TgiConfig> {
  const config: TgiConfig = { hf_server_url: "http://127.0.0.1:8080/" };
  if (key) config.hf_api_key = key;
  return { endpoint: "tgi", model: "llama-3-8b", config, stream };
}

function chat(request: ChatRequest, stream = false) {
  const warnings: TranslationWarning[] = [];
  return { body: toTgiChatBody(request, ctx(stream), warnings), warnings };
}

function generate(request: CompletionsRequest, stream = false) {
  const warnings: TranslationWarning[] = [];
  const body = toTgiGenerateBody(request, ctx(stream), warnings);
  return { body, parameters: body.parameters as Record<string, unknown>, warnings };
}

Deno.test("TgiConfig requires hf_server_url and keeps hf_api_key optional", () => {
  assertEquals(TgiConfigSchema.safeParse({}).success, false);
  assertEquals(TgiConfigSchema.safeParse({ hf_server_url: "not a url" }).success, false);
  assertEquals(TgiConfigSchema.safeParse({ hf_server_url: "http://tgi:80" }).success, true);
});

Deno.test("buildTgiChatRequest() posts to the Messages API, with Bearer only when keyed", () => {
  const plain = buildTgiChatRequest({ messages: [{ role: "user", content: "hi" }] }, ctx());
  assertEquals(plain.url, "http://127.0.0.1:8080/v1/chat/completions");
  assertEquals(plain.headers.authorization, undefined);
  assertEquals(JSON.parse(plain.body as string), {
    model: "llama-3-8b",
    messages: [{ role: "user", content: "hi" }],
  });
  const keyed = buildTgiChatRequest(
    { messages: [{ role: "user", content: "hi" }] },
    ctx(false, "hf_secret"),
  );
  assertEquals(keyed.headers.authorization, "Bearer hf_secret");
});

Deno.test("toTgiChatBody() passes sampling fields, leaves out top_p 1 and warns about n", () => {
  const { body, warnings } = chat({
    messages: [{ role: "developer", content: "Be brief." }, { role: "user", content: "hi" }],
    temperature: 0,
    top_p: 1,
    max_completion_tokens: 30,
    stop: "\n\n",
    seed: 3,
    frequency_penalty: 0.5,
    presence_penalty: 0.1,
    n: 2,
  });
  assertEquals(body, {
    model: "llama-3-8b",
    messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "hi" }],
    temperature: 0,
    max_tokens: 30,
    stop: ["\n\n"],
    seed: 3,
    frequency_penalty: 0.5,
    presence_penalty: 0.1,
  });
  assertEquals(warnings.map((w) => w.param), ["n"]);
});

Deno.test("toTgiChatBody() clamps top_p 0 and refuses tools with a clear message", () => {
  const { body, warnings } = chat({ messages: [{ role: "user", content: "x" }], top_p: 0 });
  assertEquals(body.top_p, 0.001);
  assertEquals(warnings.map((w) => [w.type, w.param]), [["clamped", "top_p"]]);
  assertThrows(
    () =>
      chat({
        messages: [{ role: "user", content: "x" }],
        tools: [{ type: "function", function: { name: "f" } }],
      }),
    /tools are not supported on Hugging Face TGI endpoints/,
  );
  assertThrows(
    () =>
      chat({
        messages: [{ role: "user", content: "x" }, {
          role: "tool",
          tool_call_id: "a",
          content: "y",
        }],
      }),
    /part of a tool call/,
  );
});

Deno.test("toTgiChatBody() maps a JSON schema to TGI's grammar and streams with usage", () => {
  const schema = { type: "object", properties: { a: { type: "string" } } };
  const { body } = chat({
    messages: [{ role: "user", content: "x" }],
    response_format: { type: "json_schema", json_schema: { name: "a", schema } },
  }, true);
  assertEquals(body.response_format, { type: "json", value: schema });
  assertEquals(body.stream, true);
  assertEquals(body.stream_options, { include_usage: true });
  const plain = chat({
    messages: [{ role: "user", content: "x" }],
    response_format: { type: "json_object" },
  });
  assertEquals(plain.body.response_format, undefined);
  assertEquals(plain.warnings.map((w) => w.param), ["response_format"]);
});

Deno.test("toTgiChatBody() keeps image parts and refuses audio", () => {
  const parts = [
    { type: "text" as const, text: "What is this?" },
    { type: "image_url" as const, image_url: { url: "https://example.com/cat.png" } },
  ];
  assertEquals(chat({ messages: [{ role: "user", content: parts }] }).body.messages, [
    { role: "user", content: parts },
  ]);
  assertThrows(
    () =>
      chat({
        messages: [{
          role: "user",
          content: [{ type: "input_audio", input_audio: { data: "A", format: "wav" } }],
        }],
      }),
    /not 'input_audio'/,
  );
});

Deno.test("toTgiGenerateBody() builds {inputs, parameters} with details", () => {
  const { body, parameters, warnings } = generate({
    prompt: "Once upon",
    max_tokens: 20,
    temperature: 0.7,
    top_p: 0.9,
    top_k: 50,
    stop: ["\n"],
    seed: 1,
    frequency_penalty: 0.2,
    repetition_penalty: 1.1,
  } as CompletionsRequest);
  assertEquals(body.inputs, "Once upon");
  assertEquals(parameters, {
    max_new_tokens: 20,
    temperature: 0.7,
    do_sample: true,
    top_p: 0.9,
    top_k: 50,
    stop: ["\n"],
    seed: 1,
    frequency_penalty: 0.2,
    repetition_penalty: 1.1,
    details: true,
    decoder_input_details: true,
  });
  assertEquals(warnings, []);
});

Deno.test("toTgiGenerateBody() turns temperature 0 into greedy decoding, not a TGI 422", () => {
  const { parameters, warnings } = generate({ prompt: "x", temperature: 0 });
  assertEquals(parameters.temperature, undefined);
  assertEquals(parameters.do_sample, false);
  assertEquals(warnings, []);
});

Deno.test("toTgiGenerateBody() maps echo, warns about suffix, n, presence_penalty, unknowns", () => {
  const { parameters, warnings } = generate({
    prompt: "x",
    echo: true,
    suffix: "y",
    n: 3,
    presence_penalty: 1,
    logit_bias: {},
  } as CompletionsRequest);
  assertEquals(parameters.return_full_text, true);
  assertEquals(warnings.map((w) => w.param).sort(), [
    "logit_bias",
    "n",
    "presence_penalty",
    "suffix",
  ]);
});

Deno.test("toTgiGenerateBody() cannot echo the prompt in a stream and says so", () => {
  const { parameters, warnings } = generate({ prompt: "x", echo: true }, true);
  assertEquals(parameters.return_full_text, undefined);
  assertEquals(warnings.map((w) => w.param), ["echo"]);
});

Deno.test("buildTgiGenerateRequest() streams from /generate_stream without prefill details", () => {
  const streamed = buildTgiGenerateRequest({ prompt: "x" }, ctx(true));
  assertEquals(streamed.url, "http://127.0.0.1:8080/generate_stream");
  assertEquals(JSON.parse(streamed.body as string).parameters, { details: true });
  assertEquals(
    buildTgiGenerateRequest({ prompt: "x" }, ctx()).url,
    "http://127.0.0.1:8080/generate",
  );
});

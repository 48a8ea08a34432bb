import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import {
  MAX_PROMPTS,
  mergeCompletions,
  mlflowCodec,
  nullsAsAbsent,
  type OpenAICall,
  openAICodec,
} from "./codec.ts";
import type { Snapshot } from "../../core/snapshot.ts";
import type { RequestRecord } from "../../core/request_record.ts";
import { NotFoundError } from "../../core/errors.ts";
import { keepText, keptTextOf } from "../../core/request_text.ts";
import { Redactor } from "../../observe/redact.ts";
import { ChatStreamWriter } from "./stream.ts";
import { MlflowChatStreamWriter, MlflowCompletionsStreamWriter } from "./mlflow_stream.ts";

const snapshot = {} as Snapshot;

/** A call the OpenAI codec decoded at once (it never waits on a database). */
function decoded(call: OpenAICall | Promise<OpenAICall>): OpenAICall {
  if (call instanceof Promise) throw new Error("the OpenAI codec decoded later");
  return call;
}

Deno.test("openAICodec decodes null parameters as absent, as OpenAI and its SDKs mean them", () => {
  const chat = decoded(
    openAICodec("chat").decode(
      {
        model: "chat",
        messages: [
          { role: "user", content: "Hi", name: null },
          { role: "assistant", content: null, tool_calls: null, refusal: null },
          { role: "user", content: "again" },
        ],
        temperature: null,
        seed: null,
        stream: null,
        stream_options: null,
        user: null,
        tools: null,
      },
      undefined,
      snapshot,
    ),
  );
  assertEquals(chat.request, {
    messages: [{ role: "user", content: "Hi" }, { role: "assistant" }, {
      role: "user",
      content: "again",
    }],
  });
  assertEquals(chat.stream, false);
  const completions = decoded(
    openAICodec("completions").decode(
      { model: "c", prompt: "Say", seed: null, max_tokens: null, logprobs: null },
      undefined,
      snapshot,
    ),
  );
  assertEquals(completions.request, { prompt: "Say" });
});

Deno.test("nullsAsAbsent() leaves a tool's schema and a body without nulls untouched", () => {
  const tools = [{ type: "function", function: { name: "f", parameters: { default: null } } }];
  const body = { messages: [{ role: "user", content: "x" }], tools };
  assertEquals(nullsAsAbsent(body) === body, true, "no copy when there is nothing to drop");
  assertEquals(nullsAsAbsent({ ...body, seed: null }).tools, tools);
});

Deno.test("openAICodec('completions') takes a list of prompts: one is that prompt, several a call each", () => {
  const codec = openAICodec("completions");
  const one = decoded(
    codec.decode({ model: "c", prompt: ["Say hi"], max_tokens: 5 }, undefined, snapshot),
  );
  assertEquals([one.request, one.requests], [{ prompt: "Say hi", max_tokens: 5 }, undefined]);
  const several = decoded(
    codec.decode({ model: "c", prompt: ["a", "b", "c"], n: 2 }, undefined, snapshot),
  );
  assertEquals(several.requests, [
    { prompt: "a", n: 2 },
    { prompt: "b", n: 2 },
    { prompt: "c", n: 2 },
  ]);
  assertThrows(
    () => codec.decode({ model: "c", prompt: ["a", "b"], stream: true }, undefined, snapshot),
    /several prompts/,
  );
  const tooMany = Array(MAX_PROMPTS + 1).fill("p");
  assertThrows(
    () => codec.decode({ model: "c", prompt: tooMany }, undefined, snapshot),
    /at most 4096/,
  );
});

Deno.test("openAICodec('completions') takes token ids in OpenAI's forms, and refuses other lists", () => {
  const codec = openAICodec("completions");
  const decode = (prompt: unknown) =>
    decoded(codec.decode({ model: "c", prompt }, undefined, snapshot));
  // a list of ids is one prompt; a list of id lists, or of strings and id lists, one each
  assertEquals([decode([1, 2, 3]).request, decode([1, 2, 3]).requests], [
    { prompt: [1, 2, 3] },
    undefined,
  ]);
  assertEquals(decode([[1, 2]]).request, { prompt: [1, 2] });
  assertEquals(decode([[1], "b", [0, 7]]).requests, [
    { prompt: [1] },
    { prompt: "b" },
    { prompt: [0, 7] },
  ]);
  for (const bad of [[], [[]], [1.5], [-1], [[1, "a"]], [1, "a"], [null], [{}]]) {
    assertThrows(() => decode(bad), /'prompt' must be/);
  }
});

Deno.test("mergeCompletions() indexes choices as prompt × n + choice, and sums usage", () => {
  const answer = (texts: string[], tokens: number) => ({
    id: "cmpl-1",
    object: "text_completion" as const,
    created: 1,
    model: "m",
    choices: texts.map((text, index) => ({ index, text, finish_reason: "stop" })),
    usage: { prompt_tokens: tokens, completion_tokens: 1, total_tokens: tokens + 1 },
  });
  const merged = mergeCompletions([answer(["a0", "a1"], 2), answer(["b0", "b1"], 3)]);
  assertEquals(merged.choices.map((c) => [c.index, c.text]), [
    [0, "a0"],
    [1, "a1"],
    [2, "b0"],
    [3, "b1"],
  ]);
  assertEquals(merged.usage, { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
});

const CHAT_ANSWER = {
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "m",
  choices: [{ index: 0, message: { role: "assistant", content: "Hi" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
};

/** An encoded answer read back as JSON. */
const json = (body: string | Uint8Array): Record<string, unknown> =>
  JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body));

/** A snapshot whose every name is an endpoint of `type`. */
const typed = (type: string) => ({ typeOf: () => type }) as unknown as Snapshot;

Deno.test("chat answers name their provider on /v1 and MLflow's paths, as MLflow 3.17's do", () => {
  const record = { provider: "openai" } as RequestRecord;
  const messages = [{ role: "user", content: "Hi" }];
  const v1 = decoded(
    openAICodec("chat").decode({ model: "c", messages }, undefined, snapshot, record),
  );
  assertEquals(json(openAICodec("chat").encodeAnswer(v1, CHAT_ANSWER)).provider, "openai");
  const mlflow = decoded(mlflowCodec.decode({ messages }, "c", typed("llm/v1/chat"), record));
  assertEquals(json(mlflowCodec.encodeAnswer(mlflow, CHAT_ANSWER)).provider, "openai");
  // MLflow's completions and embeddings answers have no provider field.
  const completions = decoded(
    openAICodec("completions").decode({ model: "c", prompt: "Hi" }, undefined, snapshot, record),
  );
  const answer = { ...CHAT_ANSWER, object: "text_completion", choices: [] };
  assertEquals(
    "provider" in json(openAICodec("completions").encodeAnswer(completions, answer)),
    false,
  );
});

Deno.test("mlflowCodec writes MLflow's chunks; openAICodec writes OpenAI's as they are", () => {
  const record = { provider: "openai" } as RequestRecord;
  const redactor = new Redactor();
  const messages = [{ role: "user", content: "Hi" }];
  const chat = decoded(
    mlflowCodec.decode({ messages, stream: true }, "c", typed("llm/v1/chat"), record),
  );
  const chatWriter = mlflowCodec.streamWriter(chat, redactor);
  assertEquals(chatWriter instanceof MlflowChatStreamWriter, true);
  assertEquals((chatWriter as MlflowChatStreamWriter).provider, "openai");
  const completions = decoded(
    mlflowCodec.decode({ prompt: "Hi", stream: true }, "c", typed("llm/v1/completions"), record),
  );
  assertEquals(
    mlflowCodec.streamWriter(completions, redactor) instanceof MlflowCompletionsStreamWriter,
    true,
  );
  const v1 = decoded(
    openAICodec("chat").decode({ model: "c", messages, stream: true }, undefined, snapshot, record),
  );
  const v1Writer = openAICodec("chat").streamWriter(v1, redactor);
  assertEquals(v1Writer instanceof ChatStreamWriter, true);
  assertEquals(v1Writer instanceof MlflowChatStreamWriter, false);
});

Deno.test("mlflowCodec puts MLflow's detail beside OpenAI's error; openAICodec does not", () => {
  const error = new NotFoundError("The endpoint 'x' is not present");
  const mlflow = mlflowCodec.encodeError(error, new Redactor()).body as Record<string, unknown>;
  assertEquals(mlflow.detail, "The endpoint 'x' is not present");
  assertEquals((mlflow.error as { message: string }).message, "The endpoint 'x' is not present");
  const openai = openAICodec("chat").encodeError(error, new Redactor()).body as object;
  assertEquals("detail" in openai, false);
});

Deno.test("openAICodec keeps a large body's text on its request only while the request is that body", () => {
  const content = "x".repeat(20_000);
  const parsed = (body: Record<string, unknown>) => {
    const text = JSON.stringify(body);
    const value = JSON.parse(text);
    keepText(value, text);
    return { value, text };
  };
  const plain = parsed({ messages: [{ role: "user", content }], model: "c" });
  const call = decoded(openAICodec("chat").decode(plain.value, undefined, snapshot));
  assertEquals(keptTextOf(call.request as object), plain.text);
  // a null dropped, or a body the schema had to rewrite: the text no longer says the request
  const withNull = parsed({ messages: [{ role: "user", content }], model: "c", seed: null });
  const changed = decoded(openAICodec("chat").decode(withNull.value, undefined, snapshot));
  assertEquals(keptTextOf(changed.request as object), undefined);
  const several = parsed({ model: "c", prompt: [content, "b"] });
  const prompts = decoded(openAICodec("completions").decode(several.value, undefined, snapshot));
  assertEquals(prompts.requests?.map((r) => keptTextOf(r as object)), [undefined, undefined]);
});

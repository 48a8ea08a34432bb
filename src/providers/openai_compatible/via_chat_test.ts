import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import { chatChunkToCompletions, chatToCompletions, completionsToChat } from "./via_chat.ts";

Deno.test("completionsToChat() sends the prompt as one user message and keeps chat parameters", () => {
  const { body, warnings } = completionsToChat({
    prompt: "Once",
    max_tokens: 3,
    temperature: 0.5,
    n: 2,
    stop: "\n",
    echo: true,
    logprobs: 2,
  } as never, "Mistral");
  assertEquals(body, {
    messages: [{ role: "user", content: "Once" }],
    max_tokens: 3,
    temperature: 0.5,
    n: 2,
    stop: "\n",
  });
  assertEquals(warnings.map((w) => w.param).sort(), ["echo", "logprobs"]);
});

Deno.test("completionsToChat() refuses a prompt of token ids, naming the provider", () => {
  assertThrows(
    () => completionsToChat({ prompt: [1, 2] }, "Groq"),
    /token ids, which Groq endpoints do not take/,
  );
});

Deno.test("chatToCompletions() returns the message text as the completion", () => {
  const res = chatToCompletions({
    id: "a",
    object: "chat.completion",
    created: 1,
    model: "m",
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content: [{ type: "text", text: "x" }, { type: "text", text: "y" }],
        tool_calls: null,
        refusal: null,
      },
      finish_reason: "length",
    }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });
  assertEquals(res.object, "text_completion");
  assertEquals(res.choices, [{ index: 0, text: "xy", finish_reason: "length" }]);
});

Deno.test("chatChunkToCompletions() skips role-only chunks and keeps usage chunks", () => {
  const meta = { id: "a", object: "chat.completion.chunk" as const, created: 1, model: "m" };
  assertEquals(
    chatChunkToCompletions({
      ...meta,
      choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }],
    }),
    undefined,
  );
  assertEquals(
    chatChunkToCompletions({
      ...meta,
      choices: [{ index: 0, delta: { content: "hi" }, finish_reason: null }],
    })?.choices,
    [{ index: 0, text: "hi", finish_reason: null }],
  );
  const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
  assertEquals(chatChunkToCompletions({ ...meta, choices: [], usage })?.usage, usage);
});

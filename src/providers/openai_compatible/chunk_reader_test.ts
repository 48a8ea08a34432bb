import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import { readWireChatResponse, readWireChunk } from "./chunk_reader.ts";

Deno.test("readWireChunk() passes a well-formed chunk through untouched", () => {
  const chunk = {
    id: "c",
    created: 1,
    model: "m",
    extra: true,
    choices: [{ index: 0, delta: { content: "x", reasoning_content: "y" }, finish_reason: null }],
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    x_groq: { usage: null },
  };
  assertEquals(readWireChunk(chunk, "P"), chunk);
  assertEquals(readWireChunk({ choices: null, usage: null }, "P"), { choices: null, usage: null });
});

Deno.test("readWireChunk() names the first field of the wrong type", () => {
  assertThrows(
    () => readWireChunk([], "P"),
    /P returned a response the gateway could not read at '\(chunk\)'/,
  );
  assertThrows(() => readWireChunk({ choices: {} }, "P"), /at 'choices'/);
  assertThrows(() => readWireChunk({ choices: [{ delta: "x" }] }, "P"), /at 'choices\.0\.delta'/);
  assertThrows(
    () => readWireChunk({ choices: [{ finish_reason: 1 }] }, "P"),
    /at 'choices\.0\.finish_reason'/,
  );
  assertThrows(
    () => readWireChunk({ usage: { total_tokens: "3" } }, "P"),
    /at 'usage\.total_tokens'/,
  );
  assertThrows(
    () => readWireChunk({ x_groq: { usage: { prompt_tokens: [] } } }, "P"),
    /at 'x_groq\.usage\.prompt_tokens'/,
  );
});

Deno.test("readWireChatResponse() accepts OpenAI's answer and names a field of the wrong type", () => {
  const answer = {
    id: "c",
    created: 1,
    model: "m",
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "{}" } }],
        annotations: [],
      },
      finish_reason: "tool_calls",
    }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
  assertEquals(readWireChatResponse(answer, "P"), answer);
  assertThrows(() => readWireChatResponse({ choices: "x" }, "P"), /at 'choices'/);
  assertThrows(() => readWireChatResponse({}, "P"), /at 'choices'/);
  assertThrows(() => readWireChatResponse({ choices: [{}] }, "P"), /at 'choices\.0\.message'/);
  assertThrows(
    () =>
      readWireChatResponse(
        { choices: [{ message: { tool_calls: [{ function: { name: 3 } }] } }] },
        "P",
      ),
    /at 'choices\.0\.message\.tool_calls\.0\.function\.name'/,
  );
  const second = {
    choices: [{ message: {} }, {
      message: {
        tool_calls: [{ function: { name: "f" } }, { function: { name: "g", arguments: 1 } }],
      },
    }],
  };
  assertThrows(
    () => readWireChatResponse(second, "P"),
    /at 'choices\.1\.message\.tool_calls\.1\.function\.arguments'/,
  );
  assertThrows(
    () => readWireChunk({ choices: [{}, { index: "1" }] }, "P"),
    /at 'choices\.1\.index'/,
  );
});

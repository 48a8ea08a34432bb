/**
 * The checks of the conformance suite, and which of them a provider gets: each one a step, the
 * same for every provider; a capability the provider lacks is a step that checks the refusal,
 * and a check a known gateway bug fails is an ignored step that says so.
 */
import { assert, assertEquals, assertMatch, assertNotIncludes } from "../assert.ts";
import type { ProviderCase } from "./conformance_cases.ts";
import {
  assertUsageLast,
  assertWholeStream,
  type Body,
  type CaseRun,
  type Json,
  readStream,
} from "./conformance_run.ts";
import { assertSecretNeverShown } from "./provider_helpers.ts";

const PROMPT = "one two three";
const CUT_PROMPT = "one two three four five";
const WEATHER = [{
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
  },
}];

export type Check = (run: CaseRun) => Promise<void>;
/**
 * A step: its name and check; `null` for a check that does not apply, or `true` third for a
 * check that a known gateway bug fails (both are ignored steps).
 */
export type Planned = [string, Check | null, true?];

export function plan(spec: ProviderCase): Planned[] {
  const caps = spec.capabilities;
  const checks: Planned[] = [["chat answers with usage", chat]];
  if (caps.stream === true) {
    checks.push(["chat streams the same answer, usage last", stream]);
  } else {
    checks.push([`no streaming: ${refused(caps.stream.refusal)}`, refusal("stream")]);
  }
  if (caps.tools === true) {
    checks.push(["a tool round trip", tools(false)], ["a streamed tool round trip", tools(true)]);
  } else {
    checks.push([`no tools: ${refused(caps.tools.refusal)}`, refusal("tools")]);
  }
  checks.push([
    "completions answer" + (caps.stream === true ? ", plain and streamed" : ""),
    completions,
  ]);
  const embeddings = caps.embeddings;
  if ("batch" in embeddings) {
    checks.push([
      embeddings.batch ? "embeddings for a batch of 3" : "embeddings, one input per call",
      embed,
    ]);
  } else {
    checks.push([`no embeddings: ${refused(embeddings.refusal)}`, refusal("embeddings")]);
  }
  checks.push(
    ["MLflow invocations answer in MLflow's shape", invocations],
    ["upstream 400 is a 400 with the provider's message", upstream400],
    ["upstream 401 is a 502 upstream_auth_error, no key shown", upstream401],
    spec.badKey
      ? ["rejected credentials are a 502 upstream_auth_error naming the endpoint", badKey]
      : ["rejected credentials: skipped, no credentials are configured", null],
    ["upstream 429 is a 429 with Retry-After, not waited for", upstream429],
    ["upstream 500 is retried, then a 502; a 503 once is retried to an answer", upstream500],
    ["a malformed answer is a 502", malformed],
    caps.stream === true
      ? ["a stream cut after its first chunks ends in an error event, record broken", cut]
      : ["a cut stream: skipped, no streaming", null],
    ["no credential in any answer or log line", secrets],
    ["the record of a failed request names its endpoint, not a route", failuresNameTheirEndpoint],
  );
  if (!spec.usage || !spec.embeddingsUsage) {
    checks.push(["the record of an answer without usage has no token counts", recordsWithoutUsage]);
  }
  return checks;
}

function refused(refusal: { status: number; message: RegExp }): string {
  return `skipped, the gateway refuses with ${refusal.status} (${refusal.message.source})`;
}

// ---- the checks ----

async function chat(run: CaseRun): Promise<void> {
  const answer = await run.post("/v1/chat/completions", run.chatBody("chat", PROMPT));
  assertEquals(answer.status, 200, answer.text);
  const body = answer.json;
  assertEquals(body.object, "chat.completion");
  if (run.spec.noAnswerId) assertEquals(body.id, null, "the upstream gave no id");
  else assert(typeof body.id === "string" && body.id !== "", "an id");
  assertEquals(typeof body.created, "number");
  assertEquals(typeof body.model, "string");
  assertEquals(body.choices.length, 1);
  const [choice] = body.choices;
  assertEquals(choice.index, 0);
  assertEquals(choice.message.role, "assistant");
  assertEquals(choice.message.content, `Echo: ${PROMPT}`);
  assertEquals(choice.finish_reason, run.spec.stopReason);
  run.usage(body.usage);
  await run.answered(answer, "/v1/chat/completions", "chat", body.usage);
  run.chat = { text: choice.message.content, usage: body.usage };
}

async function stream(run: CaseRun): Promise<void> {
  const plain = await run.post(
    "/v1/chat/completions",
    run.chatBody("chat", PROMPT, { stream: true }),
  );
  const without = assertWholeStream(plain, "chat.completion.chunk");
  assertEquals(without.usageChunks, [], "no usage unless asked");

  const answer = await run.post(
    "/v1/chat/completions",
    run.chatBody("chat", PROMPT, { stream: true, stream_options: { include_usage: true } }),
  );
  const reading = assertWholeStream(answer, "chat.completion.chunk");
  assertEquals(reading.role, "assistant");
  assert(run.chat, "the chat check ran first");
  assertEquals(reading.text, run.chat.text, "the stream says what the plain answer said");
  assertEquals(without.text, run.chat.text);
  assertEquals(reading.finish, "stop");
  const usage = assertUsageLast(reading);
  run.usage(usage);
  assertEquals(
    [usage.prompt_tokens, usage.completion_tokens],
    [run.chat.usage.prompt_tokens, run.chat.usage.completion_tokens],
    "the same usage as the plain answer",
  );
  const last = run.mock.recorder.last;
  assert(
    last && run.spec.streamedUpstream(last),
    `the upstream was asked to stream: ${last?.path}`,
  );
  const line = await run.answered(answer, "/v1/chat/completions", "chat", usage, { stream: true });
  assertEquals(typeof line.first_chunk_ms, "number");
}

function tools(streamed: boolean): Check {
  return async (run) => {
    const extra = streamed ? { stream: true, stream_options: { include_usage: true } } : {};
    const first = await run.post(
      "/v1/chat/completions",
      run.chatBody("chat", "Paris", { tools: WEATHER, ...extra }),
    );
    let assistant: Json;
    let call: { id: string; name: string; args: string };
    let usage: Body;
    if (streamed) {
      const reading = assertWholeStream(first, "chat.completion.chunk");
      assertEquals(reading.finish, "tool_calls");
      assertEquals(reading.calls.length, 1, "one call, at index 0");
      call = reading.calls[0]!;
      usage = assertUsageLast(reading);
      assistant = {
        role: "assistant",
        content: reading.text === "" ? null : reading.text,
        tool_calls: [{
          id: call.id,
          type: "function",
          function: { name: call.name, arguments: call.args },
        }],
      };
    } else {
      assertEquals(first.status, 200, first.text);
      const choice = first.json.choices[0];
      assertEquals(choice.finish_reason, "tool_calls");
      assertEquals(choice.message.tool_calls.length, 1);
      const [made] = choice.message.tool_calls;
      assertEquals(made.type, "function");
      call = { id: made.id, name: made.function.name, args: made.function.arguments };
      usage = first.json.usage;
      // Sent back as the client got it (with any extra field a provider needs, as SDKs do).
      assistant = choice.message;
    }
    assertEquals(call.name, "get_weather");
    assertEquals(JSON.parse(call.args), { q: "Paris" });
    assert(typeof call.id === "string" && call.id !== "", "the call has an id");
    run.usage(usage);
    await run.answered(first, "/v1/chat/completions", "chat", usage, { stream: streamed });

    const second = await run.post("/v1/chat/completions", {
      model: run.endpoint("chat"),
      messages: [
        { role: "user", content: "Paris" },
        assistant,
        { role: "tool", tool_call_id: call.id, content: "sunny" },
      ],
      tools: WEATHER,
      ...extra,
    });
    let text: string;
    let finish: string | null;
    if (streamed) {
      const reading = assertWholeStream(second, "chat.completion.chunk");
      ({ text, finish } = reading);
      usage = assertUsageLast(reading);
    } else {
      assertEquals(second.status, 200, second.text);
      text = second.json.choices[0].message.content;
      finish = second.json.choices[0].finish_reason;
      usage = second.json.usage;
    }
    assertEquals(text, run.spec.toolResultText);
    assertEquals(finish, "stop");
    run.usage(usage);
    await run.answered(second, "/v1/chat/completions", "chat", usage, { stream: streamed });
  };
}

async function completions(run: CaseRun): Promise<void> {
  const body = { model: run.endpoint("completions"), prompt: "Say hi" };
  const answer = await run.post("/v1/completions", body);
  assertEquals(answer.status, 200, answer.text);
  assertEquals(answer.json.object, "text_completion");
  const [choice] = answer.json.choices;
  assertEquals(choice.index, 0);
  assertEquals(choice.text, "Echo: Say hi");
  assertEquals(choice.finish_reason, run.spec.stopReason);
  run.usage(answer.json.usage);
  await run.answered(answer, "/v1/completions", "completions", answer.json.usage);
  if (run.spec.capabilities.stream !== true) return;

  const streamed = await run.post("/v1/completions", {
    ...body,
    stream: true,
    stream_options: { include_usage: true },
  });
  const reading = assertWholeStream(streamed, "text_completion");
  assertEquals(reading.text, "Echo: Say hi");
  assertEquals(reading.finish, "stop");
  const usage = assertUsageLast(reading);
  run.usage(usage);
  await run.answered(streamed, "/v1/completions", "completions", usage, { stream: true });
}

async function embed(run: CaseRun): Promise<void> {
  const embeddings = run.spec.capabilities.embeddings;
  assert("batch" in embeddings);
  const input = ["alpha", "beta", "gamma"];
  const model = run.endpoint("embeddings");
  if (!embeddings.batch) {
    const before = run.upstreamCalls;
    const refused = await run.post("/v1/embeddings", { model, input, encoding_format: "float" });
    await run.failed(refused, {
      status: 400,
      type: "invalid_request_error",
      message: embeddings.batchRefusal,
      role: "embeddings",
    });
    assertEquals(run.upstreamCalls, before, "nothing was sent upstream");
  }
  const sent = embeddings.batch ? input : input[0]!;
  const answer = await run.post("/v1/embeddings", { model, input: sent, encoding_format: "float" });
  assertEquals(answer.status, 200, answer.text);
  assertEquals(answer.json.object, "list");
  const data = answer.json.data as Body[];
  const count = embeddings.batch ? 3 : 1;
  assertEquals(data.map((d) => d.index), [0, 1, 2].slice(0, count));
  assertEquals(data.map((d) => d.object), Array(count).fill("embedding"));
  const size = data[0].embedding.length;
  assert(size > 0, "vectors are not empty");
  for (const d of data) {
    assertEquals(d.embedding.length, size);
    assert(d.embedding.every((x: unknown) => typeof x === "number"), "floats");
  }
  if (count > 1) assert(data[0].embedding.join() !== data[1].embedding.join(), "inputs differ");
  const usage = answer.json.usage;
  run.usage(usage, true);
  await run.answered(answer, "/v1/embeddings", "embeddings", usage, { embeddings: true });
}

function refusal(what: "stream" | "tools" | "embeddings"): Check {
  return async (run) => {
    const caps = run.spec.capabilities;
    const expected = what === "stream"
      ? caps.stream
      : what === "tools"
      ? caps.tools
      : caps.embeddings;
    assert(expected !== true && "refusal" in expected);
    const { status, message } = expected.refusal;
    const before = run.upstreamCalls;
    const [path, role, body] = what === "embeddings"
      ? ["/v1/embeddings", "embeddings", { model: run.endpoint("embeddings"), input: "x" }]
      : [
        "/v1/chat/completions",
        "chat",
        run.chatBody("chat", "x", what === "stream" ? { stream: true } : { tools: WEATHER }),
      ];
    const answer = await run.post(path, body);
    await run.failed(answer, {
      status,
      type: status === 501 ? "not_implemented" : "invalid_request_error",
      message,
      role,
    });
    assertEquals(run.upstreamCalls, before, "nothing was sent upstream");
  };
}

async function invocations(run: CaseRun): Promise<void> {
  const chatPath = `/endpoints/${run.endpoint("chat")}/invocations`;
  const answer = await run.post(chatPath, {
    messages: [{ role: "user", content: "from mlflow" }],
    max_tokens: 20,
  });
  assertEquals(answer.status, 200, answer.text);
  assertEquals(answer.json.object, "chat.completion");
  assertEquals(answer.json.choices[0].message, {
    role: "assistant",
    content: "Echo: from mlflow",
    tool_calls: null,
    refusal: null,
    ...run.spec.messageExtras,
  });
  run.usage(answer.json.usage);
  await run.answered(answer, chatPath, "chat", answer.json.usage);

  const streams = run.spec.capabilities.stream === true;
  if (streams) {
    const path = `/gateway/${run.endpoint("chat")}/invocations`;
    const streamed = await run.post(path, {
      messages: [{ role: "user", content: "a b" }],
      stream: true,
    });
    assertEquals(assertWholeStream(streamed, "chat.completion.chunk").text, "Echo: a b");
    await run.record(streamed, { status: 200, path, stream: true, outcome: undefined });
  }
  const completionsPath = `/endpoints/${run.endpoint("completions")}/invocations`;
  const completion = await run.post(completionsPath, { prompt: "s t", stream: streams });
  const text = streams
    ? assertWholeStream(completion, "text_completion").text
    : completion.json.choices[0].text;
  assertEquals(text, "Echo: s t");

  const embeddings = run.spec.capabilities.embeddings;
  if ("batch" in embeddings) {
    const embedded = await run.post(`/endpoints/${run.endpoint("embeddings")}/invocations`, {
      input: embeddings.batch ? ["x", "y"] : "x",
    });
    assertEquals(embedded.status, 200, embedded.text);
    assertEquals(embedded.json.data.length, embeddings.batch ? 2 : 1);
  }
}

/** The message an error fault carries: recognisable, and with the key in it when there is one. */
function faultMessage(run: CaseRun, what: string): string {
  const key = run.spec.secrets[0];
  return `Conformance: ${run.name} ${what}${key ? ` (key ${key})` : ""}`;
}

async function upstream400(run: CaseRun): Promise<void> {
  const message = faultMessage(run, "cannot take this request");
  const answer = await run.withFault(
    run.spec.errorFault(400, message),
    1,
    1,
    () => run.post("/v1/chat/completions", run.chatBody("once", "x")),
  );
  await run.failed(answer, {
    status: 400,
    type: "invalid_request_error",
    message: `Conformance: ${run.name} cannot take this request`,
    role: "once",
  });
  // The provider's message as it said it (but for the key it echoed), and what the gateway's
  // reading of that provider's errors adds (Anthropic's request id).
  const key = run.spec.secrets[0];
  const said = key === undefined ? message : message.replace(key, "[REDACTED]");
  const relayed: string = answer.json.error.message;
  assert(relayed.startsWith(said), `${relayed} starts with ${said}`);
  assertMatch(relayed.slice(said.length), run.spec.errorMessageSuffix ?? /^$/);
}

async function upstream401(run: CaseRun): Promise<void> {
  const answer = await run.withFault(
    run.spec.errorFault(401, faultMessage(run, "does not know this key")),
    1,
    1,
    () => run.post("/v1/chat/completions", run.chatBody("once", "x")),
  );
  await run.failed(answer, {
    status: 502,
    type: "upstream_auth_error",
    message: `'${run.endpoint("once")}'`,
    role: "once",
  });
  for (const secret of run.spec.secrets) assertNotIncludes(answer.text, secret);
}

async function badKey(run: CaseRun): Promise<void> {
  const answer = await run.post("/v1/chat/completions", run.chatBody("badkey", "x"));
  await run.failed(answer, {
    status: 502,
    type: "upstream_auth_error",
    message: `'${run.endpoint("badkey")}'`,
    role: "badkey",
  });
  assertMatch(answer.json.error.message, /rejected the gateway's credentials/);
  for (const secret of run.spec.secrets) assertNotIncludes(answer.text, secret);
}

async function upstream429(run: CaseRun): Promise<void> {
  // On the endpoint with a retry: 30 s is longer than the gateway waits, so none is made.
  const answer = await run.withFault(
    run.spec.rateLimit.fault,
    1,
    1,
    () => run.post("/v1/chat/completions", run.chatBody("chat", "x")),
  );
  await run.failed(answer, {
    status: 429,
    type: "rate_limit_error",
    message: run.spec.rateLimit.message,
    role: "chat",
  }, { retries: undefined });
  assertEquals(answer.headers.get("retry-after"), "30");
}

async function upstream500(run: CaseRun): Promise<void> {
  const message = faultMessage(run, "broke down");
  const failed = await run.withFault(
    run.spec.errorFault(500, message),
    2,
    2,
    () => run.post("/v1/chat/completions", run.chatBody("chat", "x")),
  );
  await run.failed(failed, {
    status: 502,
    type: "upstream_error",
    message: `HTTP 500: Conformance: ${run.name} broke down`,
    role: "chat",
  }, { retries: 1 });
  for (const secret of run.spec.secrets) assertNotIncludes(failed.text, secret);

  const recovered = await run.withFault(
    run.spec.errorFault(503, "Conformance: overloaded for a moment"),
    1,
    2,
    () => run.post("/v1/chat/completions", run.chatBody("chat", "again")),
  );
  assertEquals(recovered.status, 200, recovered.text);
  assertEquals(recovered.json.choices[0].message.content, "Echo: again");
  await run.answered(recovered, "/v1/chat/completions", "chat", recovered.json.usage, {
    more: { retries: 1 },
  });
}

async function malformed(run: CaseRun): Promise<void> {
  const answer = await run.withFault(
    { kind: "malformed" },
    1,
    1,
    () => run.post("/v1/chat/completions", run.chatBody("once", "x")),
  );
  await run.failed(answer, {
    status: 502,
    type: "upstream_error",
    message: /not JSON/,
    role: "once",
  });
}

async function cut(run: CaseRun): Promise<void> {
  const answer = await run.withFault(
    { kind: "cut", afterChunks: run.spec.cut.afterChunks },
    1,
    1,
    () => run.post("/v1/chat/completions", run.chatBody("once", CUT_PROMPT, { stream: true })),
  );
  assertEquals(answer.status, 200, answer.text);
  assert(!answer.events.includes("[DONE]"), "no [DONE] after a broken stream");
  const last = JSON.parse(answer.events.at(-1) ?? "{}");
  assert(last.error?.message, `the last event is an error: ${answer.events.at(-1)}`);
  const before = readStream(answer.events.slice(0, -1));
  assertEquals(before.text, run.spec.cut.textBefore, "what came before the cut was relayed");
  await run.record(answer, {
    status: 200,
    endpoint: run.endpoint("once"),
    stream: true,
    outcome: "broken",
    error: "upstream_error",
  });
}

/** Checks what the fault steps kept: each failed request's record names its endpoint. */
function failuresNameTheirEndpoint(run: CaseRun): Promise<void> {
  assert(run.failures.length >= 5, `failed requests were kept: ${run.failures.length}`);
  for (const { line, endpoint } of run.failures) {
    assertEquals([line.endpoint, line.route], [endpoint, undefined], JSON.stringify(line));
  }
  return Promise.resolve();
}

/** Checks what the answer steps kept: a record has no counts when its answer had none. */
function recordsWithoutUsage(run: CaseRun): Promise<void> {
  assert(run.uncounted.length > 0, "answers without usage were kept");
  for (const line of run.uncounted) {
    assertEquals([line.prompt_tokens, line.completion_tokens], [undefined, undefined]);
  }
  return Promise.resolve();
}

function secrets(run: CaseRun): Promise<void> {
  assert(run.seen.length > 20, `answers were kept: ${run.seen.length}`);
  for (const secret of run.spec.secrets) assertSecretNeverShown(secret, run.seen, run.gateway);
  return Promise.resolve();
}

/**
 * Scaffolding the provider e2e tests share: posting while keeping every answer for the secret
 * check, reading SDK streams whole, expecting failures, and asserting how broken streams end.
 */
import type OpenAI from "openai";
import { assert, assertEquals, assertNotIncludes } from "../assert.ts";
import { postJson, type RunningGateway, sseData } from "./harness.ts";

/** A POST to the gateway answered in full: the response and its body text. */
export interface Answer {
  response: Response;
  text: string;
}

/** A function that POSTs JSON to a gateway path and, when `seen` is given, keeps the body text. */
export function poster(
  gatewayUrl: string,
  seen?: string[],
): (path: string, body: unknown) => Promise<Answer> {
  return async (path, body) => {
    const response = await postJson(`${gatewayUrl}${path}`, body);
    const text = await response.text();
    seen?.push(text);
    return { response, text };
  };
}

/** The error `call` rejects with, asserted to be an `ErrorClass`; a call that succeeds fails. */
export async function expectFailure<E>(
  ErrorClass: abstract new (...args: never[]) => E,
  call: () => Promise<unknown>,
): Promise<E> {
  try {
    await call();
  } catch (error) {
    assert(error instanceof ErrorClass, String(error));
    return error;
  }
  throw new Error("expected a failure");
}

/** One tool call of a chat stream, its fragments joined. */
export interface StreamedCall {
  id: string;
  name: string;
  args: string;
}

/** What a chat stream said, read whole. */
export interface ChatStreamReading {
  chunks: OpenAI.Chat.Completions.ChatCompletionChunk[];
  /** The first role of choice 0. */
  role: string | undefined;
  /** Choice 0's content, joined. */
  text: string;
  /** Choice 0's last finish reason. */
  finish: string | null | undefined;
  /** The last usage sent. */
  usage: OpenAI.CompletionUsage | null | undefined;
  /** Choice 0's tool calls, at their `index`. */
  calls: StreamedCall[];
  /** The tool-call indexes in the order they first appeared. */
  callOrder: number[];
}

/** Reads an SDK chat stream to its end. */
export async function readChatStream(
  stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>,
): Promise<ChatStreamReading> {
  const reading: ChatStreamReading = {
    chunks: [],
    role: undefined,
    text: "",
    finish: undefined,
    usage: undefined,
    calls: [],
    callOrder: [],
  };
  for await (const chunk of stream) {
    reading.chunks.push(chunk);
    const choice = chunk.choices[0];
    reading.role ??= choice?.delta.role;
    reading.text += choice?.delta.content ?? "";
    reading.finish = choice?.finish_reason ?? reading.finish;
    reading.usage = chunk.usage ?? reading.usage;
    for (const delta of choice?.delta.tool_calls ?? []) {
      if (reading.calls[delta.index] === undefined) reading.callOrder.push(delta.index);
      const call = reading.calls[delta.index] ??= { id: "", name: "", args: "" };
      call.id += delta.id ?? "";
      call.name += delta.function?.name ?? "";
      call.args += delta.function?.arguments ?? "";
    }
  }
  return reading;
}

/** Reads an SDK completions stream to its end: choice 0's text, joined. */
export async function readCompletionsText(
  stream: AsyncIterable<OpenAI.Completions.Completion>,
): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
  return text;
}

/** Asserts a stream the upstream broke ends in an error event, never `[DONE]`; keeps its events. */
export async function assertStreamEndsInError(response: Response, seen: string[]): Promise<void> {
  assertEquals(response.status, 200);
  const data = await sseData(response);
  seen.push(data.join("\n"));
  assert(!data.includes("[DONE]"), "no [DONE] after a broken stream");
  assert(JSON.parse(data.at(-1) ?? "{}").error, `the last event is an error: ${data.at(-1)}`);
}

/** Asserts `secret` is in no kept answer and in nothing the gateway process wrote. */
export function assertSecretNeverShown(
  secret: string,
  seen: readonly string[],
  gateway: RunningGateway,
): void {
  for (const text of seen) assertNotIncludes(text, secret);
  assertNotIncludes(gateway.output(), secret);
}

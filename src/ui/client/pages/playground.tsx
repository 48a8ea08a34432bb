/** @jsxImportSource hono/jsx/dom */
/**
 * Playground: chat with an endpoint or route through `/v1/chat/completions` (streamed as it
 * arrives), tools as JSON, each answer's latency, tokens and cost (from its record); the same
 * prompt to a second endpoint side by side.
 */
import { useRef, useState } from "hono/jsx/dom";
import { api, authHeaders, errorOf, type GatewayStatus, type RecentRequest } from "../api.ts";
import { usePoll } from "../hooks.ts";
import { ErrorNote, PageHead } from "../parts.tsx";
import {
  addChunk,
  type ChatAnswer,
  emptyAnswer,
  parseTools,
  SseReader,
  toolCallJson,
} from "../chat_stream.ts";
import { formatCount, formatMs, formatUsd } from "../format.ts";
import { checkedOf, type KeyPress, valueOf } from "../dom.ts";

interface Turn {
  requestId: string;
  prompt: string;
  answer: ChatAnswer;
  status: "streaming" | "done" | "failed";
  error: string | null;
  firstMs: number | null;
  totalMs: number | null;
  record: RecentRequest | null;
}

interface Options {
  stream: boolean;
  system: string;
  tools: Record<string, unknown>[] | undefined;
  toolChoice: ToolChoice;
  temperature: number | undefined;
  maxTokens: number | undefined;
}

type Message = { role: string; content: string };
type ToolChoice = "auto" | "required" | "none";

/** The conversation so far, as messages (failed turns left out). */
function messagesOf(turns: Turn[], system: string, prompt: string): Message[] {
  const messages: Message[] = system.trim() === "" ? [] : [{ role: "system", content: system }];
  for (const turn of turns) {
    if (turn.status !== "done") continue;
    messages.push({ role: "user", content: turn.prompt });
    // An answer of tool calls only is left out: the playground runs no tools to answer them.
    if (turn.answer.content !== "") {
      messages.push({ role: "assistant", content: turn.answer.content });
    }
  }
  messages.push({ role: "user", content: prompt });
  return messages;
}

/** Reads its record once the gateway completed it (a stream's, just after its end). */
async function recordOf(id: string): Promise<RecentRequest | null> {
  for (let tries = 0; tries < 6; tries++) {
    try {
      return await api<RecentRequest>(`/api/2.0/gateway/requests/${encodeURIComponent(id)}`);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
  return null;
}

/** Sends one chat turn, reporting the answer as it grows. */
async function runTurn(
  target: string,
  messages: Message[],
  options: Options,
  turn: Turn,
  update: (turn: Turn) => void,
  signal: AbortSignal,
): Promise<void> {
  const started = performance.now();
  const body: Record<string, unknown> = { model: target, messages, stream: options.stream };
  if (options.stream) body.stream_options = { include_usage: true };
  if (options.tools !== undefined) {
    body.tools = options.tools;
    if (options.toolChoice !== "auto") body.tool_choice = options.toolChoice;
  }
  if (options.temperature !== undefined) body.temperature = options.temperature;
  if (options.maxTokens !== undefined) body.max_tokens = options.maxTokens;
  let current = turn;
  const set = (changes: Partial<Turn>) => {
    current = { ...current, ...changes };
    update(current);
  };
  try {
    const response = await fetch("/v1/chat/completions", {
      method: "POST",
      headers: authHeaders({
        "content-type": "application/json",
        "x-request-id": turn.requestId,
      }),
      body: JSON.stringify(body),
      signal,
    });
    if (!response.ok) throw await errorOf(response);
    const answer = emptyAnswer();
    if (options.stream && response.body !== null) {
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      const sse = new SseReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const data of sse.push(decoder.decode(value, { stream: true }))) {
          addChunk(answer, data);
        }
        const firstMs = current.firstMs ??
          (answer.content !== "" || answer.toolCalls.length > 0 || answer.reasoning !== ""
            ? performance.now() - started
            : null);
        set({ answer: { ...answer, toolCalls: [...answer.toolCalls] }, firstMs });
      }
    } else {
      addChunk(answer, await response.text());
      set({ answer, firstMs: performance.now() - started });
    }
    set({
      status: answer.error === null ? "done" : "failed",
      error: answer.error,
      totalMs: performance.now() - started,
    });
  } catch (error) {
    set({
      status: "failed",
      error: signal.aborted ? "stopped" : (error as Error).message,
      totalMs: performance.now() - started,
    });
  }
  set({ record: await recordOf(turn.requestId) });
}

export function Playground() {
  const status = usePoll(
    (signal) => api<GatewayStatus>("/api/2.0/gateway/status", { signal }),
    [],
    null,
  );
  const chatTargets = [
    ...(status.data?.endpoints.filter((e) => e.endpoint_type === "llm/v1/chat").map((e) =>
      e.name
    ) ?? []),
    ...(status.data?.routes.filter((r) => r.task_type === "llm/v1/chat").map((r) => r.name) ??
      []),
  ];
  const [targets, setTargets] = useState<[string, string]>(["", ""]);
  const [compare, setCompare] = useState(false);
  const [stream, setStream] = useState(true);
  const [system, setSystem] = useState("");
  const [tools, setTools] = useState("");
  const [toolChoice, setToolChoice] = useState<ToolChoice>("auto");
  const [temperature, setTemperature] = useState("");
  const [maxTokens, setMaxTokens] = useState("");
  const [prompt, setPrompt] = useState("");
  const [panes, setPanes] = useState<[Turn[], Turn[]]>([[], []]);
  const [error, setError] = useState<Error | undefined>(undefined);
  const controllers = useRef<AbortController[]>([]);
  const chosen: [string, string] = [
    targets[0] || chatTargets[0] || "",
    targets[1] || chatTargets[1] || chatTargets[0] || "",
  ];
  const busy = panes.some((turns) => turns.some((t) => t.status === "streaming"));
  const sides = compare ? [0, 1] as const : [0] as const;

  const send = (event?: Event) => {
    event?.preventDefault();
    const text = prompt.trim();
    if (text === "" || busy) return;
    let options: Options;
    try {
      options = {
        stream,
        system,
        tools: parseTools(tools),
        toolChoice,
        temperature: temperature === "" ? undefined : Number(temperature),
        maxTokens: maxTokens === "" ? undefined : Number(maxTokens),
      };
    } catch (e) {
      setError(e as Error);
      return;
    }
    setError(undefined);
    setPrompt("");
    controllers.current = [];
    for (const side of sides) {
      const controller = new AbortController();
      controllers.current.push(controller);
      const turn: Turn = {
        requestId: `ui-${crypto.randomUUID()}`,
        prompt: text,
        answer: emptyAnswer(),
        status: "streaming",
        error: null,
        firstMs: null,
        totalMs: null,
        record: null,
      };
      const messages = messagesOf(panes[side], system, text);
      setPanes((all) => withTurn(all, side, turn));
      void runTurn(chosen[side], messages, options, turn, (t) => {
        setPanes((all) => withTurn(all, side, t));
      }, controller.signal);
    }
  };

  return (
    <section class="page">
      <PageHead title="Playground">
        <button
          type="button"
          class="button quiet"
          onClick={() => setPanes([[], []])}
          disabled={busy}
        >
          Clear
        </button>
      </PageHead>
      <ErrorNote error={status.error} />
      <div class="card form">
        <div class="controls">
          <TargetSelect
            label="Endpoint or route"
            name="target-a"
            value={chosen[0]}
            options={chatTargets}
            onChange={(v) => setTargets([v, targets[1]])}
          />
          <label class="toggle">
            <input
              type="checkbox"
              name="compare"
              checked={compare}
              onChange={(e: Event) => setCompare(checkedOf(e))}
            />{" "}
            Compare with
          </label>
          {compare
            ? (
              <TargetSelect
                label="Second endpoint"
                name="target-b"
                value={chosen[1]}
                options={chatTargets}
                onChange={(v) => setTargets([targets[0], v])}
              />
            )
            : null}
          <label class="toggle">
            <input
              type="checkbox"
              name="stream"
              checked={stream}
              onChange={(e: Event) => setStream(checkedOf(e))}
            />{" "}
            Stream
          </label>
          <label class="narrow">
            Temperature
            <input
              name="temperature"
              type="number"
              min="0"
              max="2"
              step="0.1"
              value={temperature}
              onInput={(e: Event) => setTemperature(valueOf(e))}
            />
          </label>
          <label class="narrow">
            Max tokens
            <input
              name="max_tokens"
              type="number"
              min="1"
              value={maxTokens}
              onInput={(e: Event) => setMaxTokens(valueOf(e))}
            />
          </label>
        </div>
        <details>
          <summary>System prompt and tools</summary>
          <div class="two">
            <label>
              System prompt
              <textarea
                name="system"
                rows={4}
                value={system}
                onInput={(e: Event) => setSystem(valueOf(e))}
              />
            </label>
            <label>
              Tools (JSON: a list of OpenAI tools or function definitions)
              <textarea
                name="tools"
                rows={4}
                spellcheck={false}
                placeholder='[{"name": "get_weather", "parameters": {"type": "object"}}]'
                value={tools}
                onInput={(e: Event) => setTools(valueOf(e))}
              />
            </label>
            <label>
              Tool choice
              <select
                name="tool_choice"
                onChange={(e: Event) => setToolChoice(valueOf(e) as ToolChoice)}
              >
                {(["auto", "required", "none"] as const).map((choice) => (
                  <option key={choice} value={choice} selected={choice === toolChoice}>
                    {choice}
                  </option>
                ))}
              </select>
            </label>
          </div>
        </details>
      </div>
      <div class={`panes ${compare ? "two" : ""}`}>
        {sides.map((side) => (
          <Pane
            side={side === 0 ? "a" : "b"}
            target={chosen[side]}
            turns={panes[side]}
          />
        ))}
      </div>
      <ErrorNote error={error} />
      <form class="composer" onSubmit={send}>
        <textarea
          name="prompt"
          rows={2}
          placeholder="Send a message (Enter sends, Shift+Enter starts a new line)"
          value={prompt}
          onInput={(e: Event) => setPrompt(valueOf(e))}
          onKeyDown={(e: KeyPress) => {
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing) send(e);
          }}
        />
        {busy
          ? (
            <button
              type="button"
              class="button"
              onClick={() => controllers.current.forEach((c) => c.abort())}
            >
              Stop
            </button>
          )
          : (
            <button type="submit" class="button primary" disabled={chosen[0] === ""}>
              Send
            </button>
          )}
      </form>
    </section>
  );
}

/** The panes with `turn` put in place (a new turn is added; a known one replaced). */
function withTurn(panes: [Turn[], Turn[]], side: 0 | 1, turn: Turn): [Turn[], Turn[]] {
  const turns = panes[side];
  const at = turns.findIndex((t) => t.requestId === turn.requestId);
  const next = at < 0 ? [...turns, turn] : turns.map((t, i) => (i === at ? turn : t));
  return side === 0 ? [next, panes[1]] : [panes[0], next];
}

function TargetSelect(props: {
  label: string;
  name: string;
  value: string;
  options: string[];
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {props.label}
      <select
        name={props.name}
        onChange={(e: Event) => props.onChange(valueOf(e))}
      >
        {props.options.length === 0 ? <option value="">No chat endpoints</option> : null}
        {props.options.map((name) => (
          <option value={name} selected={name === props.value}>{name}</option>
        ))}
      </select>
    </label>
  );
}

function Pane(props: { side: "a" | "b"; target: string; turns: Turn[] }) {
  return (
    <div class="pane" data-pane={props.side} data-target={props.target}>
      <div class="pane-head">
        <strong>{props.target || "–"}</strong>
      </div>
      {props.turns.length === 0
        ? <p class="muted small">Answers appear here as they stream.</p>
        : props.turns.map((turn) => <TurnView key={turn.requestId} turn={turn} />)}
    </div>
  );
}

function TurnView({ turn }: { turn: Turn }) {
  const a = turn.answer;
  const usage = a.usage ?? (turn.record?.usage
    ? {
      prompt_tokens: turn.record.usage.prompt,
      completion_tokens: turn.record.usage.completion,
      total_tokens: turn.record.usage.total,
    }
    : null);
  return (
    <div class="turn" data-turn-status={turn.status} data-request-id={turn.requestId}>
      <div class="bubble user">{turn.prompt}</div>
      <div class="bubble assistant">
        {a.reasoning === "" ? null : <div class="reasoning">{a.reasoning}</div>}
        <span data-answer>{a.content}</span>
        {turn.status === "streaming" ? <span class="cursor" aria-hidden="true" /> : null}
        {a.toolCalls.length === 0 ? null : (
          <div class="tool-calls">
            {a.toolCalls.map((call, i) => (
              <pre key={i} data-tool-call={call.name}>{toolCallJson(call)}</pre>
            ))}
          </div>
        )}
        {turn.error === null ? null : <p class="note bad">{turn.error}</p>}
      </div>
      <div class="turn-figures muted small" data-figures>
        {turn.firstMs === null ? null : <span>first token {formatMs(turn.firstMs)}</span>}
        {turn.totalMs === null ? null : <span>total {formatMs(turn.totalMs)}</span>}
        {usage === null ? null : (
          <span data-usage>
            {formatCount(usage.prompt_tokens)} → {formatCount(usage.completion_tokens)} tokens
          </span>
        )}
        {turn.record === null ? null : (
          <span class="contents">
            <span data-cost>{formatUsd(turn.record.cost_usd)}</span>
            {turn.record.stream ? null : <span>overhead {formatMs(turn.record.overhead_ms)}</span>}
            {turn.record.endpoint !== null && turn.record.endpoint !== turn.record.target
              ? <span>served by {turn.record.endpoint}</span>
              : null}
            <a href={`#/requests/${encodeURIComponent(turn.requestId)}`}>record</a>
          </span>
        )}
        {a.finishReason === null ? null : <span>{a.finishReason}</span>}
      </div>
    </div>
  );
}

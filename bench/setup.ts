/**
 * What the benchmark writes before it starts anything: the gateway configs (the bench config and
 * one with 1,000 endpoints), and the request bodies wrk sends, in a temporary directory.
 */
import { join } from "node:path";
import { chatRequest, embeddingsRequest, largePromptRequest, UPSTREAM_MODEL } from "./payloads.ts";

/** Undelayed stream length, and the delayed stream's length and gap. */
export const STREAM_CHUNKS = 200;
export const DELAYED_CHUNKS = 20;
export const DELAY_MS = 50;
/** In the timed 200-chunk stream, the gap between the first chunk and all the others. */
export const SPLIT_GAP_MS = 5;

/** Upstream paths on the mock (and, through the bare proxy, the same paths). */
export const PATHS = {
  chat: "/v1/chat/completions",
  embeddings: "/v1/embeddings",
  stream: `/stream/${STREAM_CHUNKS}/0/v1/chat/completions`,
  split: `/stream-split/${STREAM_CHUNKS}/${SPLIT_GAP_MS}/v1/chat/completions`,
  delayed: `/stream/${DELAYED_CHUNKS}/${DELAY_MS}/v1/chat/completions`,
} as const;

/** A limit high enough never to trigger: the limiter's bookkeeping runs, nothing is refused. */
const NEVER_LIMIT = "{ renewal_period: minute, calls: 1000000000 }";

/** How many endpoints the large config has; requests go to the last one. */
export const MANY_ENDPOINTS = 1000;
export const MANY_TARGET = `ep-${String(MANY_ENDPOINTS - 1).padStart(4, "0")}`;

/** One `openai` endpoint of a config on the upstream base `base` (scripts/bytecode_order.ts too). */
export function endpoint(
  name: string,
  type: "chat" | "completions" | "embeddings",
  model: string,
  base: string,
  limit?: string,
): string {
  return [
    `  - name: ${name}`,
    `    endpoint_type: llm/v1/${type}`,
    `    model:`,
    `      provider: openai`,
    `      name: ${model}`,
    `      config:`,
    `        openai_api_key: sk-bench`,
    `        openai_api_base: ${base}`,
    ...(limit ? [`    limit: ${limit}`] : []),
  ].join("\n");
}

/**
 * The bench config: plain chat, chat with a never-triggering limit, embeddings, an undelayed and
 * a delayed stream, all on the mock at `upstream` (an origin like http://127.0.0.1:PORT).
 */
export function benchConfig(upstream: string): string {
  return [
    "# Written by bench/main.ts: endpoints on the bench's mock OpenAI upstream.",
    "endpoints:",
    endpoint("chat", "chat", UPSTREAM_MODEL, `${upstream}/v1`),
    endpoint("chat-limited", "chat", UPSTREAM_MODEL, `${upstream}/v1`, NEVER_LIMIT),
    endpoint("embeddings", "embeddings", "text-embedding-3-small", `${upstream}/v1`),
    endpoint("stream", "chat", UPSTREAM_MODEL, `${upstream}/stream/${STREAM_CHUNKS}/0/v1`),
    endpoint(
      "stream-split",
      "chat",
      UPSTREAM_MODEL,
      `${upstream}/stream-split/${STREAM_CHUNKS}/${SPLIT_GAP_MS}/v1`,
    ),
    endpoint(
      "stream-delayed",
      "chat",
      UPSTREAM_MODEL,
      `${upstream}/stream/${DELAYED_CHUNKS}/${DELAY_MS}/v1`,
    ),
    "",
  ].join("\n");
}

/** The client key the authenticated bench gateway takes. */
export const BENCH_CLIENT_KEY = "bench-client-key-0123456789";

/**
 * The bench config behind client keys, with a SQLite usage store: what a team runs. The key
 * has no budget or limit that could refuse a request, so only their checks are paid for.
 */
export function teamConfig(upstream: string, store: string): string {
  return benchConfig(upstream) + [
    "server:",
    `  store: sqlite:${store}`,
    "  auth:",
    "    keys:",
    "      - name: bench",
    `        key: ${BENCH_CLIENT_KEY}`,
    "        budget: {usd: 1000000, period: month}",
    "",
  ].join("\n");
}

/** A config with MANY_ENDPOINTS chat endpoints (every tenth with a limit) and a few routes. */
export function manyEndpointsConfig(upstream: string): string {
  const lines = ["# Written by bench/main.ts: 1,000 endpoints.", "endpoints:"];
  for (let i = 0; i < MANY_ENDPOINTS; i++) {
    const name = `ep-${String(i).padStart(4, "0")}`;
    lines.push(
      endpoint(
        name,
        "chat",
        `model-${i}`,
        `${upstream}/v1`,
        i % 10 === 5 ? NEVER_LIMIT : undefined,
      ),
    );
  }
  lines.push("routes:");
  for (let i = 0; i < 10; i++) {
    lines.push(
      `  - name: route-${i}`,
      `    task_type: llm/v1/chat`,
      `    routing_strategy: TRAFFIC_SPLIT`,
      `    destinations:`,
      `      - { name: ep-${String(i * 2).padStart(4, "0")}, traffic_percentage: 50 }`,
      `      - { name: ep-${String(i * 2 + 1).padStart(4, "0")}, traffic_percentage: 50 }`,
    );
  }
  return lines.join("\n") + "\n";
}

/** Paths of the files written by `writeFiles`. */
export interface BenchFiles {
  config: string;
  manyConfig: string;
  teamConfig: string;
  bodies: Record<BodyName, string>;
}

export type BodyName =
  | "chatDirect"
  | "chatGateway"
  | "chatLimited"
  | "chatMany"
  | "streamDirect"
  | "streamGateway"
  | "splitGateway"
  | "delayedGateway"
  | "embeddingsDirect"
  | "embeddingsGateway"
  | "largeDirect"
  | "largeGateway";

/** The request bodies, by name. */
export function bodies(): Record<BodyName, string> {
  return {
    chatDirect: chatRequest(UPSTREAM_MODEL),
    chatGateway: chatRequest("chat"),
    chatLimited: chatRequest("chat-limited"),
    chatMany: chatRequest(MANY_TARGET),
    streamDirect: chatRequest(UPSTREAM_MODEL, true),
    streamGateway: chatRequest("stream", true),
    splitGateway: chatRequest("stream-split", true),
    delayedGateway: chatRequest("stream-delayed", true),
    embeddingsDirect: embeddingsRequest("text-embedding-3-small"),
    embeddingsGateway: embeddingsRequest("embeddings"),
    largeDirect: largePromptRequest(UPSTREAM_MODEL),
    largeGateway: largePromptRequest("chat"),
  };
}

/** Writes the configs and bodies into `dir`. */
export function writeFiles(dir: string, upstream: string): BenchFiles {
  const config = join(dir, "bench.yaml");
  const manyConfig = join(dir, "many_endpoints.yaml");
  Deno.writeTextFileSync(config, benchConfig(upstream));
  Deno.writeTextFileSync(manyConfig, manyEndpointsConfig(upstream));
  const team = join(dir, "team.yaml");
  Deno.writeTextFileSync(team, teamConfig(upstream, join(dir, "usage.db")));
  const paths = {} as Record<BodyName, string>;
  for (const [name, body] of Object.entries(bodies()) as [BodyName, string][]) {
    paths[name] = join(dir, `${name}.json`);
    Deno.writeTextFileSync(paths[name], body);
  }
  return { config, manyConfig, teamConfig: team, bodies: paths };
}

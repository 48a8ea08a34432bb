/**
 * A local mock of Amazon Bedrock Runtime (Converse, ConverseStream, InvokeModel for Titan and
 * Cohere embeddings) and of STS AssumeRole, faithful where the gateway depends on it: every
 * request's SigV4 signature is recomputed with the known secret (an independent verifier, not
 * the gateway's signer), Bedrock's validation rules answer with its ValidationException bodies,
 * streams use the real binary event stream framing with checksums, and a fault queue injects
 * throttling, server errors, malformed bodies, cut streams and mid-stream exception events.
 */
import { createHash, createHmac, randomUUID } from "node:crypto";
import { encodeEventStreamMessage } from "../../src/core/eventstream.ts";
import { answerFault, FaultQueue, type MockServer, Recorder, serveMock } from "./fault.ts";

export interface MockBedrockOptions {
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** The only role STS lets the mock's key assume. */
  roleArn?: string;
  /** More static key pairs the mock accepts (access key id → secret). */
  extraKeys?: Record<string, string>;
  /** Milliseconds between streamed frames. */
  chunkDelayMs?: number;
}

/** An exception event to send in the next stream, after `afterEvents` normal events. */
export interface StreamException {
  afterEvents: number;
  type: string;
  message: string;
}

interface Key {
  secret: string;
  token?: string;
  expiresAt?: number;
}

export interface MockBedrock extends MockServer {
  recorder: Recorder;
  faults: FaultQueue;
  /** Exception events for the next streams, one per stream. */
  streamExceptions: StreamException[];
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  roleArn: string;
  /** AssumeRole calls answered. */
  readonly stsCalls: number;
  /** Every temporary credential STS issued (to check none leaks). */
  issued: { accessKeyId: string; secretAccessKey: string; sessionToken: string }[];
}

type Json = Record<string, unknown>;

const SIGNATURE_MISMATCH = "The request signature we calculated does not match the signature " +
  "you provided. Check your AWS Secret Access Key and signing method. Consult the service " +
  "documentation for details.";

function awsError(status: number, type: string, message: string): Response {
  return Response.json({ message }, {
    status,
    headers: {
      "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
      "x-amzn-requestid": randomUUID(),
    },
  });
}

const validation = (message: string) => awsError(400, "ValidationException", message);

function stsError(status: number, code: string, message: string): Response {
  const xml = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error>
  <RequestId>${randomUUID()}</RequestId>
</ErrorResponse>`;
  return new Response(xml, { status, headers: { "content-type": "text/xml" } });
}

// ---- SigV4 verification (independent of src/providers/bedrock/sigv4.ts) ----

const hex = (data: string) => createHash("sha256").update(data).digest("hex");

function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

interface Failure {
  status: number;
  code: string;
  message: string;
}

/** Recomputes the request's signature; undefined when it is valid. */
function verifySigV4(
  request: Request,
  body: string,
  service: string,
  region: string,
  keys: Map<string, Key>,
): Failure | undefined {
  const auth = request.headers.get("authorization");
  if (!auth) {
    return {
      status: 403,
      code: "MissingAuthenticationTokenException",
      message: "Missing Authentication Token",
    };
  }
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/
      .exec(auth);
  if (!match) {
    return {
      status: 403,
      code: "IncompleteSignatureException",
      message:
        `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.`,
    };
  }
  const [, keyId = "", date = "", scopeRegion, scopeService, signedList = "", signature] = match;
  const key = keys.get(keyId);
  if (!key) {
    return {
      status: 403,
      code: "UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
    };
  }
  const token = request.headers.get("x-amz-security-token");
  const signed = signedList.split(";");
  if (
    key.token !== undefined && (token !== key.token || !signed.includes("x-amz-security-token"))
  ) {
    return {
      status: 403,
      code: "UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
    };
  }
  if (key.expiresAt !== undefined && Date.now() > key.expiresAt) {
    return {
      status: 403,
      code: "ExpiredTokenException",
      message: "The security token included in the request is expired",
    };
  }
  if (scopeRegion !== region) {
    return {
      status: 403,
      code: "InvalidSignatureException",
      message: `Credential should be scoped to a valid region. `,
    };
  }
  if (scopeService !== service) {
    return {
      status: 403,
      code: "InvalidSignatureException",
      message: `Credential should be scoped to correct service: '${service}'. `,
    };
  }
  if (!signed.includes("host") || !signed.includes("x-amz-date")) {
    return {
      status: 403,
      code: "InvalidSignatureException",
      message: "'Host' or 'x-amz-date' must be a signed header.",
    };
  }
  const amzDate = request.headers.get("x-amz-date") ?? "";
  const when = Date.parse(
    amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"),
  );
  if (Number.isNaN(when) || Math.abs(Date.now() - when) > 5 * 60_000 || !amzDate.startsWith(date)) {
    return {
      status: 403,
      code: "InvalidSignatureException",
      message: `Signature expired: ${amzDate} is now earlier or later than the allowed window.`,
    };
  }
  const payloadHash = hex(body);
  const claimed = request.headers.get("x-amz-content-sha256");
  if (claimed !== null && claimed !== payloadHash) {
    return {
      status: 403,
      code: "InvalidSignatureException",
      message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
    };
  }
  const url = new URL(request.url);
  // Non-S3 services sign each path segment encoded once more than it was sent.
  const path = url.pathname.split("/").map(rfc3986).join("/") || "/";
  const query = [...url.searchParams].map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).sort().join(
    "&",
  );
  const headerLines = signed.map((name) =>
    `${name}:${(request.headers.get(name) ?? "").trim().replace(/\s+/g, " ")}\n`
  ).join("");
  const canonical = [request.method, path, query, headerLines, signedList, payloadHash].join("\n");
  const toSign = [
    "AWS4-HMAC-SHA256",
    amzDate,
    `${date}/${region}/${service}/aws4_request`,
    hex(canonical),
  ].join("\n");
  let signingKey: Uint8Array = createHmac("sha256", `AWS4${key.secret}`).update(date).digest();
  for (const part of [region, service, "aws4_request"]) {
    signingKey = createHmac("sha256", signingKey).update(part).digest();
  }
  const expected = createHmac("sha256", signingKey).update(toSign).digest("hex");
  if (expected !== signature) {
    return { status: 403, code: "InvalidSignatureException", message: SIGNATURE_MISMATCH };
  }
  return undefined;
}

// ---- Converse ----

interface Block {
  text?: string;
  image?: { format?: string; source?: { bytes?: string } };
  document?: Json;
  toolUse?: { toolUseId: string; name: string; input: unknown };
  toolResult?: { toolUseId: string; content: Json[] };
}

interface Message {
  role: string;
  content: Block[];
}

const CONVERSE_KEYS = new Set([
  "messages",
  "system",
  "inferenceConfig",
  "toolConfig",
  "additionalModelRequestFields",
  "additionalModelResponseFieldPaths",
  "guardrailConfig",
  "requestMetadata",
  "performanceConfig",
]);
const INFERENCE_KEYS = new Set(["maxTokens", "temperature", "topP", "stopSequences"]);

/** Bedrock's checks of a Converse body, with its error messages; undefined when valid. */
function validateConverse(body: Json, modelId: string): string | undefined {
  for (const key of Object.keys(body)) {
    if (!CONVERSE_KEYS.has(key)) return `extraneous key [${key}] is not permitted`;
  }
  const messages = body.messages as Message[] | undefined;
  if (!Array.isArray(messages)) {
    return "1 validation error detected: Value null at 'messages' failed to satisfy constraint: Member must not be null";
  }
  if (messages.length === 0 || messages[0]?.role !== "user") {
    return "A conversation must start with a user message. Try again with a conversation that starts with a user message.";
  }
  const toolUseIds = new Set<string>();
  for (const [i, message] of messages.entries()) {
    if (message.role !== "user" && message.role !== "assistant") {
      return `1 validation error detected: Value '${message.role}' at 'messages.${
        i + 1
      }.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]`;
    }
    if (i > 0 && messages[i - 1]?.role === message.role) {
      return "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.";
    }
    if (!Array.isArray(message.content) || message.content.length === 0) {
      return `The content field in the Message object at messages.${i} is empty. Add a ContentBlock object to the content field and try again.`;
    }
    for (const [j, block] of message.content.entries()) {
      if (typeof block.text === "string" && block.text.trim() === "") {
        return `The text field in the ContentBlock object at messages.${i}.content.${j} is blank. Add text to the text field, and try again.`;
      }
      if ((block.toolUse || block.toolResult) && !body.toolConfig) {
        return "The toolConfig field must be defined when using toolUse and toolResult content blocks.";
      }
      if (block.toolUse) toolUseIds.add(block.toolUse.toolUseId);
      if (block.toolResult && !toolUseIds.has(block.toolResult.toolUseId)) {
        return `messages.${i}.content.${j}.toolResult.toolUseId: unknown tool use id '${block.toolResult.toolUseId}'`;
      }
      if (
        block.image &&
        (!["png", "jpeg", "gif", "webp"].includes(block.image.format ?? "") ||
          typeof block.image.source?.bytes !== "string")
      ) {
        return `messages.${i}.content.${j}.image: invalid image format or source`;
      }
    }
  }
  if (body.system !== undefined && modelId.includes("titan-text")) {
    return "This model doesn't support system messages. Try again without system messages or use a model that supports them.";
  }
  const inference = (body.inferenceConfig ?? {}) as Json;
  for (const key of Object.keys(inference)) {
    if (!INFERENCE_KEYS.has(key)) return `extraneous key [${key}] is not permitted`;
  }
  if (
    typeof inference.temperature === "number" &&
    (inference.temperature < 0 || inference.temperature > 1)
  ) {
    return "1 validation error detected: Value at 'inferenceConfig.temperature' failed to satisfy constraint: Member must have value less than or equal to 1";
  }
  return undefined;
}

function blocksText(blocks: Block[]): string {
  return blocks.map((b) => b.text ?? "").filter((t) => t !== "").join(" ");
}

function words(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

interface Reply {
  text: string | null;
  tools: { toolUseId: string; name: string; input: Json }[];
  stopReason: string;
  inputTokens: number;
  outputTokens: number;
}

/** An answer to a tool result, a tool call when tools are offered, else an echo. */
function converseReply(body: Json, nextToolId: () => string): Reply {
  const messages = body.messages as Message[];
  const last = messages[messages.length - 1] as Message;
  const results = last.content.filter((b) => b.toolResult).map((b) =>
    (b.toolResult?.content ?? []).map((c) =>
      typeof c.text === "string" ? c.text : JSON.stringify(c.json)
    ).join(" ")
  );
  const lastText = blocksText(last.content);
  const system = ((body.system ?? []) as { text: string }[]).map((s) => s.text).join(" ");
  const inputTokens = words(system).length +
    messages.reduce((n, m) => n + words(blocksText(m.content)).length + m.content.length, 0);
  const toolConfig = body.toolConfig as {
    tools?: { toolSpec: { name: string } }[];
    toolChoice?: { tool?: { name: string } };
  } | undefined;
  const tools = toolConfig?.tools ?? [];
  let reply: Omit<Reply, "inputTokens" | "outputTokens">;
  if (results.length > 0) {
    reply = { text: `Tool said: ${results.join("; ")}`, tools: [], stopReason: "end_turn" };
  } else if (tools.length > 0) {
    const forced = toolConfig?.toolChoice?.tool?.name;
    const names = forced
      ? [forced]
      : lastText.includes("parallel")
      ? tools.map((t) => t.toolSpec.name)
      : [tools[0]?.toolSpec.name ?? "tool"];
    reply = {
      text: lastText.includes("parallel") ? "Let me check." : null,
      tools: names.map((name) => ({
        toolUseId: nextToolId(),
        name,
        input: { q: lastText },
      })),
      stopReason: "tool_use",
    };
  } else {
    reply = { text: `Echo: ${lastText}`, tools: [], stopReason: "end_turn" };
  }
  const maxTokens = (body.inferenceConfig as Json | undefined)?.maxTokens;
  if (
    reply.text !== null && typeof maxTokens === "number" && words(reply.text).length > maxTokens
  ) {
    reply = {
      ...reply,
      text: words(reply.text).slice(0, maxTokens).join(""),
      stopReason: "max_tokens",
    };
  }
  const outputTokens = words(reply.text ?? "").length + reply.tools.length * 5;
  return { ...reply, inputTokens, outputTokens };
}

function usageOf(reply: Reply): Json {
  return {
    inputTokens: reply.inputTokens,
    outputTokens: reply.outputTokens,
    totalTokens: reply.inputTokens + reply.outputTokens,
  };
}

function converseResponse(reply: Reply): Json {
  const content: Json[] = [];
  if (reply.text !== null) content.push({ text: reply.text });
  for (const tool of reply.tools) content.push({ toolUse: tool });
  return {
    output: { message: { role: "assistant", content } },
    stopReason: reply.stopReason,
    usage: usageOf(reply),
    metrics: { latencyMs: 123 },
  };
}

/** The events of a ConverseStream, in Bedrock's order, each with its `p` padding field. */
function converseEvents(reply: Reply): [string, Json][] {
  const events: [string, Json][] = [["messageStart", { role: "assistant" }]];
  let block = 0;
  if (reply.text !== null) {
    for (const word of words(reply.text)) {
      events.push(["contentBlockDelta", { contentBlockIndex: block, delta: { text: word } }]);
    }
    events.push(["contentBlockStop", { contentBlockIndex: block }]);
    block++;
  }
  for (const tool of reply.tools) {
    events.push(["contentBlockStart", {
      contentBlockIndex: block,
      start: { toolUse: { toolUseId: tool.toolUseId, name: tool.name } },
    }]);
    const input = JSON.stringify(tool.input);
    const half = Math.floor(input.length / 2);
    events.push(["contentBlockDelta", {
      contentBlockIndex: block,
      delta: { toolUse: { input: input.slice(0, half) } },
    }]);
    events.push(["contentBlockDelta", {
      contentBlockIndex: block,
      delta: { toolUse: { input: input.slice(half) } },
    }]);
    events.push(["contentBlockStop", { contentBlockIndex: block }]);
    block++;
  }
  events.push(["messageStop", { stopReason: reply.stopReason }]);
  events.push(["metadata", { usage: usageOf(reply), metrics: { latencyMs: 321 } }]);
  return events.map((
    [type, payload],
    i,
  ) => [type, { ...payload, p: "abcdefghijklmnopqrstuvwxyz".slice(0, 4 + (i % 20)) }]);
}

function frame(type: string, payload: Json): Uint8Array {
  return encodeEventStreamMessage(
    { ":event-type": type, ":content-type": "application/json", ":message-type": "event" },
    JSON.stringify(payload),
  );
}

function exceptionFrame(type: string, message: string): Uint8Array {
  return encodeEventStreamMessage(
    { ":exception-type": type, ":content-type": "application/json", ":message-type": "exception" },
    JSON.stringify({ message }),
  );
}

/** Frames as a byte stream, each split in two pieces; optionally cut or slowed down. */
function eventStreamBody(
  frames: Uint8Array[],
  options: { cutAfter?: number | undefined; delayMs: number; onAbort: () => void },
): ReadableStream<Uint8Array> {
  const pieces = frames.flatMap((f, i) => {
    const at = Math.max(1, Math.floor(f.length / 3));
    return [{ bytes: f.subarray(0, at), frame: i }, { bytes: f.subarray(at), frame: i }];
  });
  let next = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const piece = pieces[next];
      if (piece === undefined) return controller.close();
      if (options.cutAfter !== undefined && piece.frame >= options.cutAfter) {
        // Let the client read what was sent: a reset discards bytes still unread in its buffer.
        await new Promise((r) => setTimeout(r, 100));
        return controller.error(new Error("connection cut by the mock"));
      }
      if (options.delayMs > 0 && next % 2 === 0) {
        await new Promise((r) => setTimeout(r, options.delayMs));
      }
      next++;
      controller.enqueue(piece.bytes);
    },
    cancel: options.onAbort,
  });
}

// ---- Embeddings (InvokeModel) ----

function vector(text: string, dimensions: number): number[] {
  return Array.from(
    { length: dimensions },
    (_, i) =>
      ((text.charCodeAt(i % Math.max(text.length, 1)) || 0) % 97) / 97 - i / (dimensions * 10),
  );
}

function invokeEmbeddings(modelId: string, body: Json): Response {
  if (modelId.includes("titan-embed")) {
    const v2 = modelId.includes("embed-text-v2");
    const allowed = v2 ? ["inputText", "dimensions", "normalize", "embeddingTypes"] : ["inputText"];
    const extra = Object.keys(body).find((k) => !allowed.includes(k));
    if (extra) {
      return validation(
        `Malformed input request: #: extraneous key [${extra}] is not permitted, please reformat your input and try again.`,
      );
    }
    if (typeof body.inputText !== "string" || body.inputText === "") {
      return validation(
        "Malformed input request: #: required key [inputText] not found, please reformat your input and try again.",
      );
    }
    const dims = body.dimensions ?? (v2 ? 1024 : 1536);
    if (v2 && ![256, 512, 1024].includes(dims as number)) {
      return validation(
        "Malformed input request: #/dimensions: 300 is not a valid enum value, please reformat your input and try again.",
      );
    }
    const embedding = vector(body.inputText, dims as number);
    return Response.json({
      embedding,
      inputTextTokenCount: words(body.inputText).length,
      ...(v2 ? { embeddingsByType: { float: embedding } } : {}),
    });
  }
  if (modelId.includes("cohere.embed")) {
    const texts = body.texts;
    if (
      !Array.isArray(texts) || texts.length === 0 || texts.length > 96 ||
      typeof body.input_type !== "string"
    ) {
      return validation(
        "Malformed input request: #: required key [input_type] not found or texts invalid, please reformat your input and try again.",
      );
    }
    const v4 = modelId.includes("embed-v4");
    const vectors = texts.map((t) =>
      vector(String(t), v4 ? (body.output_dimension as number | undefined) ?? 1536 : 1024)
    );
    const byType = Array.isArray(body.embedding_types);
    return Response.json({
      id: randomUUID(),
      texts,
      response_type: byType ? "embeddings_by_type" : "embeddings_floats",
      embeddings: byType ? { float: vectors } : vectors,
    });
  }
  return validation("The provided model identifier is invalid.");
}

// ---- STS ----

function assumeRole(
  form: URLSearchParams,
  mock: { roleArn: string },
  keys: Map<string, Key>,
  issued: MockBedrock["issued"],
): Response {
  if (form.get("Action") !== "AssumeRole" || form.get("Version") !== "2011-06-15") {
    return stsError(400, "InvalidAction", "Could not find operation " + form.get("Action"));
  }
  if (form.get("RoleArn") !== mock.roleArn) {
    return stsError(
      403,
      "AccessDenied",
      `User: arn:aws:iam::123456789012:user/gateway is not authorized to perform: sts:AssumeRole on resource: ${
        form.get("RoleArn")
      }`,
    );
  }
  const duration = Number(form.get("DurationSeconds") ?? "3600");
  if (!form.get("RoleSessionName") || !(duration >= 900 && duration <= 43200)) {
    return stsError(
      400,
      "ValidationError",
      "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint",
    );
  }
  const n = issued.length + 1;
  const credentials = {
    accessKeyId: `ASIAMOCKTEMP${String(n).padStart(8, "0")}`,
    secretAccessKey: `temp/secret/${randomUUID()}`,
    sessionToken: `IQoJb3JpZ2luX2VjMOCK${randomUUID().replaceAll("-", "")}`,
  };
  issued.push(credentials);
  const expiresAt = Date.now() + duration * 1000;
  keys.set(credentials.accessKeyId, {
    secret: credentials.secretAccessKey,
    token: credentials.sessionToken,
    expiresAt,
  });
  return new Response(
    `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <AssumedRoleId>AROAMOCK:${form.get("RoleSessionName")}</AssumedRoleId>
      <Arn>${mock.roleArn.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/")}/${
      form.get("RoleSessionName")
    }</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${credentials.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${credentials.secretAccessKey}</SecretAccessKey>
      <SessionToken>${credentials.sessionToken}</SessionToken>
      <Expiration>${new Date(expiresAt).toISOString().replace(/\.\d{3}/, "")}</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>
</AssumeRoleResponse>`,
    { headers: { "content-type": "text/xml" } },
  );
}

/** Starts the mock on a free loopback port. */
export function startMockBedrock(options: MockBedrockOptions = {}): MockBedrock {
  const recorder = new Recorder();
  const faults = new FaultQueue();
  const streamExceptions: StreamException[] = [];
  const issued: MockBedrock["issued"] = [];
  const region = options.region ?? "us-east-1";
  const accessKeyId = options.accessKeyId ?? "AKIDMOCKBEDROCK00001";
  const secretAccessKey = options.secretAccessKey ?? "mock/Bedrock+Secret/0123456789abcdefEXAMPLE";
  const roleArn = options.roleArn ?? "arn:aws:iam::123456789012:role/gateway-bedrock";
  const keys = new Map<string, Key>([[accessKeyId, { secret: secretAccessKey }]]);
  for (const [id, secret] of Object.entries(options.extraKeys ?? {})) keys.set(id, { secret });
  let stsCalls = 0;
  let toolCalls = 0;
  const nextToolId = () => `tooluse_mock${String(++toolCalls).padStart(6, "0")}`;

  const handle = async (request: Request): Promise<Response> => {
    const raw = await request.text();
    // Recorded from a copy: cloning the request would tie the mock to its abort signal.
    await recorder.record(
      new Request(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.method === "GET" || request.method === "HEAD" ? null : raw,
      }),
    );
    const url = new URL(request.url);
    if (request.method !== "POST") {
      return awsError(404, "UnknownOperationException", "Unknown operation");
    }

    if (url.pathname === "/") {
      const failure = verifySigV4(request, raw, "sts", region, keys);
      if (failure) {
        return stsError(
          failure.status,
          failure.code === "InvalidSignatureException" ? "SignatureDoesNotMatch" : failure.code,
          failure.message,
        );
      }
      stsCalls++;
      return assumeRole(new URLSearchParams(raw), { roleArn }, keys, issued);
    }

    const route = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/.exec(url.pathname);
    if (!route) {
      return awsError(404, "UnknownOperationException", `Unknown operation ${url.pathname}`);
    }
    const failure = verifySigV4(request, raw, "bedrock", region, keys);
    if (failure) return awsError(failure.status, failure.code, failure.message);
    const modelId = decodeURIComponent(route[1] ?? "");
    const operation = route[2];

    const fault = faults.next();
    const faulted = await answerFault(fault, request.signal);
    if (faulted) return faulted;
    if (fault?.kind === "malformed") {
      return operation === "converse-stream"
        ? new Response(new Uint8Array([0, 0, 0, 40, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6]), {
          headers: { "content-type": "application/vnd.amazon.eventstream" },
        })
        : new Response('{"output": {"message": {"role": "assistant", "content": [', {
          headers: { "content-type": "application/json" },
        });
    }

    let body: Json;
    try {
      body = JSON.parse(raw) as Json;
    } catch {
      return awsError(
        400,
        "SerializationException",
        "Unexpected character while parsing the request body.",
      );
    }
    if (operation === "invoke") return invokeEmbeddings(modelId, body);

    const invalid = validateConverse(body, modelId);
    if (invalid) return validation(invalid);
    const reply = converseReply(body, nextToolId);
    const headers = { "x-amzn-requestid": randomUUID() };
    if (operation === "converse") return Response.json(converseResponse(reply), { headers });

    const frames = converseEvents(reply).map(([type, payload]) => frame(type, payload));
    const exception = streamExceptions.shift();
    if (exception) {
      frames.splice(
        exception.afterEvents,
        frames.length,
        exceptionFrame(exception.type, exception.message),
      );
    }
    return new Response(
      eventStreamBody(frames, {
        cutAfter: fault?.kind === "cut" ? fault.afterChunks : undefined,
        delayMs: options.chunkDelayMs ?? 0,
        onAbort: () => recorder.aborted++,
      }),
      { headers: { ...headers, "content-type": "application/vnd.amazon.eventstream" } },
    );
  };

  const server = serveMock(handle);
  return {
    ...server,
    recorder,
    faults,
    streamExceptions,
    region,
    accessKeyId,
    secretAccessKey,
    roleArn,
    issued,
    get stsCalls() {
      return stsCalls;
    },
  };
}

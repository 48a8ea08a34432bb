import { assertEquals } from "../../../tests/assert.ts";
import { splicedBody } from "./spliced_body.ts";
import { applyStreamFields, type WireBody } from "./profile.ts";
import { bodyWithModel, buildWireRequest } from "./request.ts";
import { keepText, KEPT_TEXT_MIN } from "../../core/request_text.ts";
import type { CallContext } from "../../core/provider.ts";

const big = 'a "quoted" line\n\u00e9\ud83d\ude00 '.repeat(2000);

/** What the usual path sends: the object with the endpoint's model and the stream fields. */
function built(text: string, stream: boolean): WireBody {
  const { model: _model, ...request } = JSON.parse(text);
  const body = bodyWithModel(request, "gpt-4o-mini", true);
  applyStreamFields(body, stream, "request");
  return body;
}

function spliced(text: string, stream = false): WireBody | undefined {
  const { model: _model, ...request } = JSON.parse(text);
  const body = splicedBody(text, request, "gpt-4o-mini", stream, "request");
  return body === undefined ? undefined : JSON.parse(body);
}

const messages = [{ role: "user", content: big }];

Deno.test("splicedBody() puts the endpoint's model into the client's text, wherever its model is", () => {
  const forms = [
    JSON.stringify({ model: "chat", messages, max_tokens: 5 }),
    JSON.stringify({ messages, model: "chat" }), // the Python SDK's order
    JSON.stringify({ messages, model: 'c\\"h', temperature: 0 }),
    `{ "messages" : ${JSON.stringify(messages)} ,\n  "model" :\t"chat"\n}\n`,
  ];
  for (const text of forms) assertEquals(spliced(text), built(text, false));
});

Deno.test("splicedBody() asks a stream for its usage as the usual path does", () => {
  const text = JSON.stringify({ messages, model: "chat", stream: true });
  assertEquals(spliced(text, true), built(text, true));
  const { model: _model, ...request } = JSON.parse(text);
  // a server that reports usage unasked gets the body as it came, with the model
  assertEquals(
    JSON.parse(splicedBody(text, request, "m", true, "automatic") as string),
    { messages, model: "m", stream: true },
  );
});

Deno.test("splicedBody() puts the model first in a body that names none (MLflow's paths)", () => {
  const text = ` {"messages":${JSON.stringify(messages)}}`;
  assertEquals(
    JSON.parse(splicedBody(text, JSON.parse(text), "gpt-4o-mini", false, "request") as string),
    { model: "gpt-4o-mini", messages },
  );
});

Deno.test("splicedBody() leaves to the usual path what it cannot send as it came", () => {
  const cases: [string, boolean][] = [
    // a nested model key (a tool's schema): which one is the client's is not known from the text
    [
      JSON.stringify({
        model: "chat",
        messages,
        tools: [{ type: "function", function: { name: "f", parameters: { model: {} } } }],
      }),
      false,
    ],
    [JSON.stringify({ model: "chat", messages, stream: false }), false], // stream dropped
    [JSON.stringify({ model: "chat", messages, stream: true, stream_options: {} }), true],
    [JSON.stringify({ model: "chat", messages, stream_options: null }), false],
    [JSON.stringify({ model: "chat", messages }), true], // the call streams, the body does not say
    [JSON.stringify({ model: "m".repeat(2000), messages }), false], // a model name past the bound
  ];
  for (const [text, stream] of cases) assertEquals(spliced(text, stream), undefined, text);
});

const ctx: CallContext<unknown> = {
  endpoint: "ep",
  model: "gpt-4o-mini",
  config: {},
  stream: false,
};
const target = { url: "http://upstream.invalid/v1/chat/completions", headers: {}, sendModel: true };

Deno.test("buildWireRequest() splices a large kept body, and builds the rest as before", () => {
  const text = JSON.stringify({ messages, model: "chat", max_tokens: 5 });
  const { model: _model, ...request } = JSON.parse(text);
  keepText(request, text);
  const options = { streamUsage: "request" as const, request };
  const start = () => bodyWithModel(request, ctx.model, true);
  const upstream = buildWireRequest("chat/completions", start(), ctx, target, options);
  const body = upstream.body as string;
  assertEquals(body.includes(JSON.stringify(big)), true, "the client's text as it came");
  assertEquals(JSON.parse(body), built(text, false));
  // quirks, a body sent without its model (Azure) and small bodies take the usual path
  const renamed = buildWireRequest("chat/completions", start(), ctx, target, {
    ...options,
    quirks: { renames: { max_tokens: "max_completion_tokens" } },
  });
  assertEquals(JSON.parse(renamed.body as string).max_completion_tokens, 5);
  const azure = buildWireRequest("chat/completions", bodyWithModel(request, "m", false), ctx, {
    ...target,
    sendModel: false,
  }, options);
  assertEquals(JSON.parse(azure.body as string).model, undefined);
  const small = { messages: [{ role: "user", content: "hi" }] };
  keepText(small, JSON.stringify({ model: "chat", ...small }));
  assertEquals(JSON.stringify(small).length < KEPT_TEXT_MIN, true);
  assertEquals(
    buildWireRequest("chat/completions", bodyWithModel(small, "m", true), ctx, target, {
      streamUsage: "request",
      request: small,
    }).body,
    JSON.stringify({ model: "m", ...small }),
  );
});

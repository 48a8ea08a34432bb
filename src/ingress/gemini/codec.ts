/**
 * Google's Gemini API (`models/{model}:generateContent` and `:streamGenerateContent`) as codecs:
 * the path names the endpoint or route, any chat endpoint serves it, so the `google-genai` SDKs
 * pointed at the gateway work. Answers, `alt=sse` streams and errors in Google's shapes.
 */
import type { ChatResponse } from "../../schemas/chat.ts";
import type { IngressCall, IngressCodec } from "../codec.ts";
import { decodeGenerateContent } from "./request.ts";
import { geminiErrorBody, toGenerateContentResponse } from "./response.ts";
import { GeminiStreamWriter } from "./stream.ts";

/** The codec of `generateContent` (`stream: false`) or `streamGenerateContent`. */
export function geminiCodec(stream: boolean): IngressCodec<IngressCall> {
  return {
    name: stream ? "gemini.streamGenerateContent" : "gemini.generateContent",
    decode(body, pathName) {
      const decoded = decodeGenerateContent(body, stream);
      return {
        op: "chat",
        name: pathName ?? "",
        request: decoded.request,
        stream,
        warnings: decoded.warnings,
      };
    },
    encodeAnswer(call, value) {
      return JSON.stringify(toGenerateContentResponse(value as ChatResponse, call.name));
    },
    streamWriter(call, redactor) {
      return new GeminiStreamWriter(call.name, redactor);
    },
    streamContentType: "text/event-stream; charset=utf-8",
    encodeError: (error, redactor) => ({
      status: error.status,
      body: geminiErrorBody(error, redactor),
    }),
  };
}

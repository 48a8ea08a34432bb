/** Converts OpenAI content parts (text, images, files) to Anthropic content blocks. */
import { InvalidRequestError } from "../../core/errors.ts";
import type { TranslationWarning } from "../../core/provider.ts";
import type { ContentPart } from "../../schemas/chat.ts";

/** An Anthropic content block as sent (its fields vary by `type`). */
export type AnthropicBlock = { type: string } & Record<string, unknown>;

const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

/** A parsed `data:` URL. */
export interface DataUrl {
  mediaType: string;
  base64: boolean;
  data: string;
}

/** Splits `data:<type>[;base64],<data>`; undefined when `url` is not a data URL. */
export function parseDataUrl(url: string): DataUrl | undefined {
  const match = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(url);
  if (!match) return undefined;
  const params = (match[2] ?? "").split(";").map((p) => p.trim().toLowerCase());
  return {
    mediaType: (match[1] ?? "").trim().toLowerCase() || "text/plain",
    base64: params.includes("base64"),
    data: match[3] ?? "",
  };
}

function imageFromDataUrl(data: DataUrl, param: string): AnthropicBlock {
  if (!IMAGE_TYPES.has(data.mediaType)) {
    throw new InvalidRequestError(
      `Anthropic accepts images of type ${[...IMAGE_TYPES].join(", ")}; got '${data.mediaType}'`,
      { param },
    );
  }
  if (!data.base64) {
    throw new InvalidRequestError("image data URLs must be base64-encoded (';base64,')", {
      param,
    });
  }
  return { type: "image", source: { type: "base64", media_type: data.mediaType, data: data.data } };
}

/** An `image_url` part: a data URL becomes a base64 source, an http(s) URL a url source. */
export function toImageBlock(url: string, param: string): AnthropicBlock {
  const data = parseDataUrl(url);
  if (data) return imageFromDataUrl(data, param);
  if (/^https?:\/\//i.test(url)) return { type: "image", source: { type: "url", url } };
  throw new InvalidRequestError(
    "image_url.url must be an http(s) URL or a base64 data URL",
    { param },
  );
}

function decodeBase64Text(data: string, param: string): string {
  try {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new InvalidRequestError("file_data is not valid base64-encoded UTF-8 text", { param });
  }
}

/** A `file` part: PDFs and plain text become document blocks, images image blocks. */
export function toFileBlock(
  file: {
    file_data?: string | undefined;
    file_id?: string | undefined;
    filename?: string | undefined;
  },
  param: string,
): AnthropicBlock {
  if (file.file_data === undefined) {
    throw new InvalidRequestError(
      "Anthropic cannot read OpenAI file ids; send the file inline as file_data (a base64 data URL)",
      { param },
    );
  }
  const data = parseDataUrl(file.file_data);
  if (!data) {
    throw new InvalidRequestError("file_data must be a data URL ('data:<type>;base64,...')", {
      param,
    });
  }
  const title = file.filename === undefined ? {} : { title: file.filename };
  if (data.mediaType === "application/pdf") {
    if (!data.base64) {
      throw new InvalidRequestError("PDF data URLs must be base64-encoded", { param });
    }
    return {
      type: "document",
      source: { type: "base64", media_type: "application/pdf", data: data.data },
      ...title,
    };
  }
  if (data.mediaType === "text/plain") {
    const text = data.base64 ? decodeBase64Text(data.data, param) : decodeURIComponent(data.data);
    return {
      type: "document",
      source: { type: "text", media_type: "text/plain", data: text },
      ...title,
    };
  }
  if (data.mediaType.startsWith("image/")) return imageFromDataUrl(data, param);
  throw new InvalidRequestError(
    `Anthropic accepts PDF, plain-text and image files; got '${data.mediaType}'`,
    { param },
  );
}

/** A text block, keeping a client's `cache_control` marker (Anthropic prompt caching). */
export function textBlock(text: string, part?: Record<string, unknown>): AnthropicBlock {
  const block: AnthropicBlock = { type: "text", text };
  if (part?.cache_control !== undefined) block.cache_control = part.cache_control;
  return block;
}

/**
 * Converts the parts of a user (or tool) message. Empty text parts are dropped, as Anthropic
 * rejects empty text blocks.
 */
export function toContentBlocks(
  parts: readonly ContentPart[],
  param: string,
  warnings: TranslationWarning[],
): AnthropicBlock[] {
  const blocks: AnthropicBlock[] = [];
  parts.forEach((part, i) => {
    const at = `${param}[${i}]`;
    switch (part.type) {
      case "text":
        if (part.text !== "") blocks.push(textBlock(part.text, part));
        break;
      case "refusal":
        if (part.refusal !== "") blocks.push(textBlock(part.refusal));
        break;
      case "image_url": {
        const block = toImageBlock(part.image_url.url, `${at}.image_url.url`);
        const detail = part.image_url.detail;
        if (detail !== undefined && detail !== "auto") {
          addWarning(warnings, {
            type: "unsupported",
            param: "image_url.detail",
            message: "Anthropic has no image detail setting; images are sent at full detail",
          });
        }
        if ((part as Record<string, unknown>).cache_control !== undefined) {
          block.cache_control = (part as Record<string, unknown>).cache_control;
        }
        blocks.push(block);
        break;
      }
      case "file":
        blocks.push(toFileBlock(part.file, `${at}.file`));
        break;
      case "input_audio":
        throw new InvalidRequestError("Anthropic models do not accept audio input", {
          param: at,
        });
    }
  });
  return blocks;
}

/** Adds a warning unless one for the same parameter is already there. */
export function addWarning(warnings: TranslationWarning[], warning: TranslationWarning): void {
  if (!warnings.some((w) => w.param === warning.param && w.type === warning.type)) {
    warnings.push(warning);
  }
}

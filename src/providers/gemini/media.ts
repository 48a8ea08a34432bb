/** Images, audio and files of a message as Gemini parts: inline data or a file reference. */
import { InvalidRequestError } from "../../core/errors.ts";
import type { TranslationWarning } from "../../core/provider.ts";

export interface InlineDataPart {
  inlineData: { mimeType: string; data: string };
}
export interface FileDataPart {
  fileData: { mimeType?: string; fileUri: string };
}

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  heic: "image/heic",
  heif: "image/heif",
  pdf: "application/pdf",
  wav: "audio/wav",
  mp3: "audio/mp3",
  flac: "audio/flac",
  ogg: "audio/ogg",
  mp4: "video/mp4",
  mov: "video/mov",
  webm: "video/webm",
  txt: "text/plain",
};

/** The MIME type a file name or URL path suggests by its extension, if it is a known one. */
export function guessMimeType(pathOrName: string): string | undefined {
  const match = /\.([a-z0-9]+)$/i.exec(pathOrName);
  return match ? MIME_BY_EXTENSION[match[1]!.toLowerCase()] : undefined;
}

/** A base64 `data:` URL's MIME type and payload; undefined for anything else. */
export function parseDataUrl(url: string): { mimeType: string; data: string } | undefined {
  const match = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(url);
  if (!match) return undefined;
  const params = match[2]!.split(";").filter((p) => p !== "");
  if (!params.includes("base64")) return undefined;
  return { mimeType: match[1] || "application/octet-stream", data: match[3]!.trim() };
}

/**
 * An image or file URL as a part: `data:` URLs are inlined, `http(s)://` and `gs://` URLs are
 * file references whose MIME type is guessed from the extension (with a warning when it can't
 * be). Any other scheme is refused.
 */
export function mediaPart(
  url: string,
  param: string,
  warnings: TranslationWarning[],
): InlineDataPart | FileDataPart {
  if (url.startsWith("data:")) {
    const inline = parseDataUrl(url);
    if (!inline) {
      throw new InvalidRequestError(
        `${param}: only base64 data URLs (data:<type>;base64,...) can be sent to Gemini`,
        { param },
      );
    }
    return { inlineData: inline };
  }
  if (/^(https?|gs):\/\//i.test(url)) {
    let path = url;
    try {
      path = new URL(url).pathname;
    } catch {
      // gs:// and odd URLs: guess from the raw text
    }
    const mimeType = guessMimeType(path);
    if (mimeType === undefined) {
      warnings.push({
        type: "unsupported",
        param,
        message:
          `could not tell the MIME type of ${param} from its URL; sent without one (Gemini may refuse it). Use a data: URL or a URL ending in .png/.jpg/.webp/...`,
      });
      return { fileData: { fileUri: url } };
    }
    return { fileData: { mimeType, fileUri: url } };
  }
  throw new InvalidRequestError(
    `${param}: Gemini takes data:, http(s):// or gs:// URLs, not '${url.slice(0, 40)}'`,
    { param },
  );
}

/** Images and documents as Converse content blocks (base64 bytes from `data:` URLs only). */
import { InvalidRequestError } from "../../core/errors.ts";

const DATA_URL = /^data:([^;,]+)((?:;[^;,]*)*?);base64,(.*)$/s;

/** Converse image formats by MIME type. */
const IMAGE_FORMATS: Readonly<Record<string, string>> = {
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/jpg": "jpeg",
  "image/gif": "gif",
  "image/webp": "webp",
};

/** Converse document formats by MIME type. */
const DOCUMENT_FORMATS: Readonly<Record<string, string>> = {
  "application/pdf": "pdf",
  "text/csv": "csv",
  "application/msword": "doc",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "application/vnd.ms-excel": "xls",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
  "text/html": "html",
  "text/plain": "txt",
  "text/markdown": "md",
};

interface DataUrl {
  mime: string;
  base64: string;
}

function parseDataUrl(url: string): DataUrl | undefined {
  const match = DATA_URL.exec(url.trim());
  if (!match) return undefined;
  return { mime: (match[1] ?? "").toLowerCase(), base64: (match[3] ?? "").replace(/\s+/g, "") };
}

/** `{image: {format, source: {bytes}}}` from a base64 data URL; other URLs are a 400. */
export function toImageBlock(url: string, param: string): Record<string, unknown> {
  const data = parseDataUrl(url);
  if (!data) {
    throw new InvalidRequestError(
      "Amazon Bedrock takes images only as base64 data URLs (data:image/png;base64,...); " +
        "the gateway does not download image URLs",
      { param },
    );
  }
  const format = IMAGE_FORMATS[data.mime];
  if (format === undefined) {
    throw new InvalidRequestError(
      `Amazon Bedrock does not accept images of type '${data.mime}'; use png, jpeg, gif or webp`,
      { param },
    );
  }
  return { image: { format, source: { bytes: data.base64 } } };
}

/** A document name as Converse allows it (letters, digits, spaces, hyphens, parentheses, []). */
export function documentName(filename: string | undefined, index: number): string {
  const stem = (filename ?? "").replace(/\.[^.]*$/, "");
  const cleaned = stem.replace(/[^A-Za-z0-9\s\-()[\]]/g, " ").replace(/\s+/g, " ").trim();
  return cleaned === "" ? `document ${index + 1}` : cleaned.slice(0, 200);
}

/** `{document: {format, name, source: {bytes}}}` from a `file` part with base64 `file_data`. */
export function toDocumentBlock(
  file: { file_data?: string | undefined; filename?: string | undefined },
  index: number,
  param: string,
): Record<string, unknown> {
  const data = file.file_data === undefined ? undefined : parseDataUrl(file.file_data);
  if (!data) {
    throw new InvalidRequestError(
      "Amazon Bedrock takes files only inline, as base64 data URLs in 'file_data' " +
        "(uploaded file ids are not supported)",
      { param },
    );
  }
  const format = DOCUMENT_FORMATS[data.mime];
  if (format === undefined) {
    throw new InvalidRequestError(
      `Amazon Bedrock does not accept documents of type '${data.mime}'; use pdf, csv, doc, ` +
        "docx, xls, xlsx, html, txt or md",
      { param },
    );
  }
  return {
    document: { format, name: documentName(file.filename, index), source: { bytes: data.base64 } },
  };
}

/**
 * The dashboard's HTML shell and how its assets are sent: the page names the script and the
 * style sheet by their content hash (so they may be cached for good), says whether it must ask
 * for an admin key, and carries a Content-Security-Policy that lets it load and call nothing but
 * this gateway.
 */
import process from "node:process";

/** What the page loads nothing beyond: its own origin, and data:/blob: URLs it makes itself. */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page: an empty body the script fills in. */
export function uiPage(options: {
  version: string;
  auth: boolean;
  script: string;
  style: string;
}): string {
  const { version, auth, script, style } = options;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<meta name="gateway-version" content="${escapeHtml(version)}">
<meta name="gateway-auth" content="${auth ? "on" : "off"}">
<title>Gateway</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
<link rel="stylesheet" href="${escapeHtml(style)}">
<script type="module" src="${escapeHtml(script)}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The dashboard needs JavaScript. The API is documented at <a href="/docs">/docs</a>.</noscript>
</body>
</html>
`;
}

export type Encoding = "br" | "gzip" | "identity";

/** The best encoding a request accepts (`br` before `gzip`; `q=0` refuses one). */
export function pickEncoding(acceptEncoding: string | null): Encoding {
  if (acceptEncoding === null) return "identity";
  const accepted = new Set<string>();
  for (const part of acceptEncoding.split(",")) {
    const [name = "", ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => /^\s*q\s*=\s*([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
    if (q !== undefined && Number(q) === 0) continue;
    accepted.add(name.trim());
  }
  if (accepted.has("br")) return "br";
  if (accepted.has("gzip") || accepted.has("*")) return "gzip";
  return "identity";
}

/** One asset's bytes in each encoding, compressed on first use and then kept. */
export class EncodedAsset {
  readonly #raw: Uint8Array;
  readonly #encoded = new Map<Encoding, Uint8Array>();

  constructor(text: string) {
    this.#raw = new TextEncoder().encode(text);
    this.#encoded.set("identity", this.#raw);
  }

  bytes(encoding: Encoding): Uint8Array {
    let bytes = this.#encoded.get(encoding);
    if (bytes === undefined) {
      // Loaded here, when the dashboard is first opened, not with the server.
      const { brotliCompressSync, constants, gzipSync } = process.getBuiltinModule("node:zlib");
      bytes = new Uint8Array(
        encoding === "br"
          ? brotliCompressSync(this.#raw, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: 11,
              [constants.BROTLI_PARAM_SIZE_HINT]: this.#raw.length,
            },
          })
          : gzipSync(this.#raw, { level: 9 }),
      );
      this.#encoded.set(encoding, bytes);
    }
    return bytes;
  }
}

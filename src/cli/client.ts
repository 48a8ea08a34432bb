/** A small client for a running gateway, turning failures into one readable line. */
import process from "node:process";

/** The gateway URL: --url, else $GATEWAY_URL, else the default address. */
export function gatewayUrl(given: string | undefined): string {
  const url = given ?? process.env.GATEWAY_URL ?? "http://127.0.0.1:5000";
  return url.replace(/\/+$/, "");
}

/** A failure talking to the gateway, already worded for the user. */
export class ClientError extends Error {}

/** The client key the CLI sends: --api-key, else $GATEWAY_API_KEY (none: an open gateway). */
export function gatewayKey(given?: string): string | undefined {
  return given ?? (process.env.GATEWAY_API_KEY || undefined);
}

/**
 * Sends a request (with the client key as a bearer token, when there is one); a connection
 * failure or a non-2xx answer becomes a ClientError.
 */
export async function call(
  base: string,
  path: string,
  init: RequestInit = {},
  apiKey = gatewayKey(),
): Promise<Response> {
  let response: Response;
  const headers = new Headers(init.headers);
  if (apiKey !== undefined && !headers.has("authorization")) {
    headers.set("authorization", `Bearer ${apiKey}`);
  }
  try {
    response = await fetch(`${base}${path}`, { ...init, headers });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new ClientError(
      `cannot reach the gateway at ${base}${cause ? ` (${cause})` : ""}: ${
        (error as Error).message
      } (is it running? start it with 'gateway start', or give its address with --url or $GATEWAY_URL)`,
    );
  }
  if (!response.ok) {
    const text = await response.text();
    let message = text.trim();
    try {
      const json = JSON.parse(text) as { error?: { message?: string }; detail?: unknown };
      message = json.error?.message ??
        (typeof json.detail === "string" ? json.detail : JSON.stringify(json));
    } catch {
      // not JSON: keep the text
    }
    throw new ClientError(`HTTP ${response.status}: ${message || response.statusText}`);
  }
  return response;
}

/** GETs a JSON document. */
export async function getJson<T>(base: string, path: string, apiKey = gatewayKey()): Promise<T> {
  return (await (await call(base, path, {}, apiKey)).json()) as T;
}

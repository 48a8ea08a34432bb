/**
 * The dashboard's calls to the gateway: the admin key (in sessionStorage only, so it goes with
 * the tab), JSON requests with it, and errors read from the gateway's envelope.
 */
import type { ActivityReport, GatewayStatus, RecentRequest } from "../../api/routes/dashboard.ts";
import type { UsageReport as StoredUsageReport } from "../../store/usage_report.ts";
import type { KeyInfo as StoredKeyInfo } from "../../auth/key_admin.ts";
import { document } from "./dom.ts";

export type { ActivityReport, GatewayStatus, RecentRequest };

/** The usage API's answer: the report and the store it came from. */
export type UsageReport = StoredUsageReport & {
  store: { kind: string; buffered: number; dropped: number };
};

const KEY_ITEM = "gateway.adminKey";
/** Sent when the gateway refused the key: the page asks for one again. */
export const SIGNED_OUT = "gateway:signed-out";

/** Whether the page must ask for an admin key (the gateway says so in the page). */
export function authOn(): boolean {
  return document.querySelector('meta[name="gateway-auth"]')?.getAttribute("content") === "on";
}

export function gatewayVersion(): string {
  return document.querySelector('meta[name="gateway-version"]')?.getAttribute("content") ?? "";
}

export function adminKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_ITEM);
  } catch {
    return null;
  }
}

export function setAdminKey(key: string | null): void {
  try {
    if (key === null) sessionStorage.removeItem(KEY_ITEM);
    else sessionStorage.setItem(KEY_ITEM, key);
  } catch {
    // storage off: the key lives as long as the page
  }
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly code: string | null) {
    super(message);
  }
}

/** The headers of a call: the admin key, when there is one. */
export function authHeaders(extra: Record<string, string> = {}): Headers {
  const headers = new Headers(extra);
  const key = adminKey();
  if (key !== null) headers.set("authorization", `Bearer ${key}`);
  return headers;
}

/** The error a failed answer carries (OpenAI's envelope, or MLflow's `detail`). */
export async function errorOf(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  let code: string | null = null;
  try {
    const body = await response.json() as {
      error?: { message?: string; code?: string | null };
      detail?: string;
    };
    message = body.error?.message ?? body.detail ?? message;
    code = body.error?.code ?? null;
  } catch {
    // not JSON: the status says it
  }
  if (response.status === 401) dispatchEvent(new CustomEvent(SIGNED_OUT, { detail: message }));
  return new ApiError(response.status, message, code);
}

/** A JSON call to the gateway with the admin key. */
export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const headers = authHeaders(
    init.body === undefined ? {} : { "content-type": "application/json" },
  );
  const response = await fetch(path, {
    method: init.method ?? "GET",
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    ...(init.signal === undefined ? {} : { signal: init.signal }),
  });
  if (!response.ok) throw await errorOf(response);
  return await response.json() as T;
}

/** A query string from the values that are set. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}

/** A client key as the keys API lists it. */
export type KeyInfo = StoredKeyInfo & { spent_usd: number | null };

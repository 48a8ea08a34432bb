/**
 * The pipeline's authentication step. Without `server.auth` everyone is admitted (MLflow's open
 * behaviour). With it, a request needs a known client key — `Authorization: Bearer` (the OpenAI
 * SDKs, MLflow's client), `x-api-key` (the Anthropic SDK), `api-key` (Azure OpenAI clients) or
 * `x-goog-api-key` (Google's) — and an admin route needs an admin key. The key goes into the
 * request's record; the core applies its endpoints, limit and budget.
 */
import type { Authenticate } from "../api/context.ts";
import type { Gateway } from "../core/gateway.ts";
import { GatewayError } from "../core/errors.ts";
import { KeyRing } from "./keys.ts";
import type { ClientKey } from "../core/client_key.ts";
import type { RequestRecord } from "../core/request_record.ts";

/** The secret a request presents, from the first header that carries one. */
export function presentedSecret(headers: Headers): string | undefined {
  const authorization = headers.get("authorization");
  if (authorization !== null) {
    const match = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  return headers.get("x-api-key") ?? headers.get("api-key") ?? headers.get("x-goog-api-key") ??
    undefined;
}

function unauthenticated(message: string, code: string): GatewayError {
  return new GatewayError(401, "invalid_request_error", message, {
    code,
    headers: { "www-authenticate": 'Bearer realm="gateway"' },
  });
}

/** Admits a request with its key (noted in its record), or refuses it. */
function admit(key: ClientKey | undefined, record: RequestRecord, admin: boolean): void {
  if (key === undefined) throw unauthenticated("Invalid API key", "invalid_api_key");
  record.client = key.name;
  record.key = key;
  if (admin && !key.admin) {
    throw new GatewayError(
      403,
      "permission_error",
      `The client key '${key.name}' is not an admin key: this API needs one`,
      { code: "admin_key_required" },
    );
  }
}

/** The authentication step of a gateway whose config may turn `server.auth` on or off. */
export function createAuthenticator(gateway: Gateway, ring = new KeyRing(gateway.store)): {
  authenticate: Authenticate;
  ring: KeyRing;
} {
  let configured: unknown;
  const authenticate: Authenticate = (request, record, admin) => {
    const auth = gateway.snapshot.config.auth;
    if (auth === undefined) return;
    if (configured !== auth) {
      ring.configure(auth.keys);
      configured = auth;
    }
    const secret = presentedSecret(request.headers);
    if (secret === undefined) {
      throw unauthenticated(
        "Missing API key: send it as 'Authorization: Bearer <key>' or in 'x-api-key'",
        "missing_api_key",
      );
    }
    const found = ring.find(secret);
    if (found instanceof Promise) return found.then((key) => admit(key, record, admin));
    admit(found, record, admin);
  };
  return { authenticate, ring };
}

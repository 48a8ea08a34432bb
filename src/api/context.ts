/** The Hono environment shared by the app and its route modules. */
import type { Gateway } from "../core/gateway.ts";
import type { RequestRecord } from "../core/request_record.ts";

/**
 * What one request carries through the app is its record (id, client connection, and what the
 * handlers and the core note of it), handed to Hono as its env (cheaper than context variables
 * set by a middleware, which would put every request through Hono's compose chain).
 */
export interface AppEnv {
  Bindings: RequestRecord;
}

/**
 * The authentication step: admits the request (noting who the client is in its record) or
 * throws the error that refuses it (401/403). `admin`: the route needs an admin key. It runs for every route that does not say it is
 * public, however the route was reached.
 */
export type Authenticate = (
  request: Request,
  record: RequestRecord,
  admin: boolean,
) => void | Promise<void>;

export interface AppDeps {
  gateway: Gateway;
  version: string;
  /** Unset: everyone is admitted (MLflow's open behaviour). */
  authenticate?: Authenticate;
  /** The client keys authentication knows, told when the admin API changes the store's. */
  keys?: { invalidate(): void };
  /** The /metrics text (a worker's: the whole server's); the gateway's own when unset. */
  metrics?: () => string;
}

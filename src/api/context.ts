/** The Hono environment shared by the app and its route modules. */
import type { ConnectionInfo } from "../runtime/mod.ts";
import type { Gateway } from "../core/gateway.ts";

/**
 * What one request carries through the app, handed to Hono as its env (cheaper than context
 * variables set by a middleware, which would put every request through Hono's compose chain).
 */
export interface RequestScope {
  readonly requestId: string;
  readonly connection: ConnectionInfo;
  /** When the server got it, in `performance.now()` milliseconds. */
  readonly started: number;
  /** The endpoint that served the request, for the access log and metrics. */
  endpoint: string | undefined;
  /** Set when the answer was built with `x-request-id` already among its headers. */
  idInHeaders: boolean;
}

export interface AppEnv {
  Bindings: RequestScope;
}

export interface AppDeps {
  gateway: Gateway;
  version: string;
}

/** The Hono environment shared by the app and its route modules. */
import type { ConnectionInfo } from "../runtime/mod.ts";
import type { Gateway } from "../core/gateway.ts";

export interface AppEnv {
  Bindings: ConnectionInfo;
  Variables: {
    requestId: string;
    /** The endpoint that served the request, for the access log. */
    endpoint?: string;
  };
}

export interface AppDeps {
  gateway: Gateway;
  version: string;
}

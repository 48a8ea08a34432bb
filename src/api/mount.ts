/**
 * Routes are data: each is a `createRoute` definition (documented in /openapi.json) plus its
 * handler. Bodies are read and validated by the handlers (see body.ts, validate.ts).
 */
import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import type { Handler } from "hono";
import type { AppEnv } from "./context.ts";
import type { Invocation } from "./invoke.ts";
import type { IngressCodec } from "../ingress/codec.ts";

/**
 * `/gateway/{name}/invocations` → `/gateway/:name/invocations`. A trailing slash is dropped:
 * the app is not strict about it, so `/api/2.0/endpoints` and `/api/2.0/endpoints/` both match.
 */
export function honoPath(openApiPath: string): string {
  const path = openApiPath.replace(/\{([^}]+)\}/g, ":$1");
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

/** The Hono patterns a route is served at. */
export function honoPaths(def: RouteDef): string[] {
  return def.mountAt ?? [def.route.path, ...(def.aliases ?? [])].map(honoPath);
}

export interface RouteDef {
  route: RouteConfig;
  handler: Handler<AppEnv>;
  /** Extra paths served by the same handler (legacy spellings), not documented separately. */
  aliases?: string[];
  /** Served but left out of the OpenAPI document. */
  hidden?: boolean;
  /**
   * Where Hono's router serves it, when its documented paths cannot be Hono patterns (Google's
   * `models/{model}:generateContent`: a name and a verb in one segment). Empty: only the
   * exact-path table serves it.
   */
  mountAt?: string[];
  /** Served without authentication. A route is public only when it says so. */
  public?: boolean;
  /** Needs an admin key when authentication is on (metrics, usage, keys). */
  admin?: boolean;
  /**
   * The same handler without a Hono context, for the server's exact-path routing table (POST
   * only): it answers its own errors, like every invocation handler.
   */
  direct?: Invocation;
  /** The client API the route speaks: its errors (authentication's too) are in its envelope. */
  codec?: IngressCodec;
}

/** Registers routes on the app and, unless hidden, in its OpenAPI document. */
export function mount(app: OpenAPIHono<AppEnv>, defs: readonly RouteDef[]): void {
  for (const def of defs) {
    if (!def.hidden) app.openAPIRegistry.registerPath(def.route);
    for (const path of honoPaths(def)) app.on(def.route.method.toUpperCase(), path, def.handler);
  }
}

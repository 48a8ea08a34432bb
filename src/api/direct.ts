/**
 * The invocation routes matched by plain string checks and served without Hono. A chat request
 * otherwise pays for Hono's context, its request wrapper, the path parsing and the router: small
 * steps, but measured on a loaded server together about 5% of the CPU of a chat request.
 * Anything that is not an exact match (a query string, a trailing slash, an encoded or nested
 * name, another method) goes through Hono as before, so both ways give the same answers.
 */
import type { Invocation } from "./invoke.ts";
import type { RouteDef } from "./mount.ts";

export interface DirectMatch {
  /** The route's guarded handler without a Hono context; it answers its own errors (invoke.ts). */
  invocation: Invocation;
  /** The endpoint named by the path, when the route has a `{name}`. */
  name?: string;
}

interface NamedRoute {
  prefix: string;
  suffix: string;
  invocation: Invocation;
}

/** The path of a request URL (with its query), without building a URL object. */
export function pathOf(url: string): string {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  return slash < 0 ? "/" : url.slice(slash);
}

export class DirectRoutes {
  /** Exact paths and their matches, made once: a match is read-only, so it is shared. */
  #exact = new Map<string, DirectMatch>();
  #named: NamedRoute[] = [];

  constructor(defs: readonly RouteDef[]) {
    for (const def of defs) {
      if (def.direct === undefined || def.route.method !== "post") continue;
      for (const path of [def.route.path, ...(def.aliases ?? [])]) {
        const param = /\{[^}]+\}/.exec(path);
        if (param === null) {
          this.#exact.set(path, Object.freeze({ invocation: def.direct }));
        } else {
          this.#named.push({
            prefix: path.slice(0, param.index),
            suffix: path.slice(param.index + param[0].length),
            invocation: def.direct,
          });
        }
      }
    }
  }

  /** The invocation for a POST to `path` (with its query), when it is one of the routes exactly. */
  match(path: string): DirectMatch | undefined {
    const exact = this.#exact.get(path);
    if (exact !== undefined) return exact;
    for (const route of this.#named) {
      const end = path.length - route.suffix.length;
      if (end <= route.prefix.length) continue;
      if (!path.startsWith(route.prefix) || !path.endsWith(route.suffix)) continue;
      const name = path.slice(route.prefix.length, end);
      // Names that need decoding, or that span segments, are left to Hono's router.
      if (!name.includes("/") && !name.includes("%") && !name.includes("?")) {
        return { invocation: route.invocation, name };
      }
    }
    return undefined;
  }
}

/**
 * The one request pipeline. Every request, whatever route serves it, passes the same ordered
 * steps: request id → client identity → route → authentication (unless the route says it is
 * public) → handler → record. Routing has two tables — exact POST paths of the invocation routes
 * (about 5% of a chat request's CPU cheaper than Hono's context and router) and Hono for the
 * rest — but both lead to the same guarded handlers, so no route can skip a step.
 */
import type { AppDeps, Authenticate } from "./context.ts";
import type { RouteDef } from "./mount.ts";
import type { ConnectionInfo } from "../runtime/mod.ts";
import { createApp, routeDefs } from "./app.ts";
import { DirectRoutes, pathOf } from "./direct.ts";
import { codecErrorResponse } from "./errors.ts";
import { RequestRecord } from "../core/request_record.ts";
import type { Logger } from "../observe/logs.ts";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A request's id: the client's `x-request-id` when well-formed, otherwise a new one. */
function requestIdOf(request: Request): string {
  const given = request.headers.get("x-request-id");
  return given !== null && REQUEST_ID.test(given) ? given : crypto.randomUUID();
}

/**
 * The authentication step put in front of a route's handlers (both its Hono handler and its
 * exact-path one), unless the route is public. Done once, where the routes are assembled, so a
 * new route gets it without asking.
 */
function guarded(def: RouteDef, authenticate: Authenticate, logger: Logger): RouteDef {
  if (def.public) return def;
  /** Authentication's refusal, in the envelope of the route's client API. */
  const refused = (error: unknown, record: RequestRecord): Response => {
    // A refused call of a client API is usage too (who tried, and when).
    record.ingress ??= def.codec?.name;
    return codecErrorResponse(def.codec, error, record, logger);
  };
  const admin = def.admin === true;
  const handler: RouteDef["handler"] = (c, next) => {
    let checking: void | Promise<void>;
    try {
      checking = authenticate(c.req.raw, c.env, admin);
    } catch (error) {
      return refused(error, c.env);
    }
    // Admitted at once (no key store to wait on): no extra async step for the request.
    if (checking === undefined) return def.handler(c, next);
    return checking.then(() => def.handler(c, next), (error) => refused(error, c.env));
  };
  const direct = def.direct;
  if (direct === undefined) return { ...def, handler };
  return {
    ...def,
    handler,
    direct: (request, record, name) => {
      let checking: void | Promise<void>;
      try {
        checking = authenticate(request, record, admin);
      } catch (error) {
        return Promise.resolve(refused(error, record));
      }
      if (checking === undefined) return direct(request, record, name);
      return checking.then(() => direct(request, record, name), (error) => refused(error, record));
    },
  };
}

/** The last step: the answer gets its request id, and the record is completed or left open. */
function finish(record: RequestRecord, response: Response): Response {
  // Answers built by the invocation handlers carry it already (and reading `headers` makes the
  // runtime build a Headers object the answer does not otherwise need).
  if (!record.idInHeaders) response.headers.set("x-request-id", record.id);
  record.status = response.status;
  // A stream still being sent completes its record when it ends.
  if (!record.streaming) record.complete();
  return response;
}

/**
 * The server's request handler. `routes` adds routes to the built-in ones (tests use it to
 * show that a new route passes every step).
 */
export function createHandler(
  deps: AppDeps,
  routes: readonly RouteDef[] = [],
): (request: Request, connection: ConnectionInfo) => Promise<Response> {
  const { gateway, authenticate } = deps;
  const all = [...routes, ...routeDefs(deps)];
  const defs = authenticate === undefined
    ? all
    : all.map((def) => guarded(def, authenticate, gateway.logger));
  const app = createApp(deps, defs);
  const direct = new DirectRoutes(defs);
  const sinks = gateway.sinks;
  return async (request, connection) => {
    const method = request.method;
    const target = pathOf(request.url);
    const record = new RequestRecord(requestIdOf(request), connection, method, target, sinks);
    if (gateway.tracing) record.traceparent = request.headers.get("traceparent");
    const match = method === "POST" ? direct.match(target) : undefined;
    const response = match === undefined
      ? await app.fetch(request, record)
      : await match.invocation(request, record, match.name);
    return finish(record, response);
  };
}

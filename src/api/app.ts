/**
 * Builds the Hono app (the one error handler, 404/405 in the error envelope, the route modules:
 * OpenAI, MLflow, operations) and the request handler around it: request ids, metrics and the
 * access log.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps, AppEnv, RequestScope } from "./context.ts";
import type { ConnectionInfo } from "../runtime/mod.ts";
import { honoPath, mount } from "./mount.ts";
import { handleError } from "./errors.ts";
import { finishRequest } from "./finish.ts";
import { openAIRoutes } from "./routes/openai.ts";
import { mlflowRoutes } from "./routes/mlflow.ts";
import { mountDocs, opsRoutes } from "./routes/ops.ts";
import { GatewayError, NotFoundError } from "../core/errors.ts";
import { CachedRouter } from "./router.ts";
import { DirectRoutes } from "./direct.ts";
import type { RouteDef } from "./mount.ts";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function pathPattern(path: string): RegExp {
  const escaped = path.replace(/\/+$/, "").split("/").map((segment) =>
    segment.startsWith(":") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  ).join("/");
  return new RegExp(`^${escaped}/?$`);
}

/** Every route of the API. */
function routeDefs(deps: AppDeps): RouteDef[] {
  return [...openAIRoutes(deps), ...mlflowRoutes(deps), ...opsRoutes(deps)];
}

/** The Hono app: every route, the OpenAPI document, 404/405 and the error envelope. */
export function createApp(deps: AppDeps, defs: RouteDef[] = routeDefs(deps)): OpenAPIHono<AppEnv> {
  const logger = deps.gateway.logger;
  const app = new OpenAPIHono<AppEnv>({ strict: false, router: new CachedRouter() });

  mount(app, defs);
  mountDocs(app, deps);

  const known = [
    ...defs.flatMap((def) =>
      [def.route.path, ...(def.aliases ?? [])].map((path) => ({
        method: def.route.method.toUpperCase(),
        pattern: pathPattern(honoPath(path)),
      }))
    ),
    ...["/openapi.json", "/docs", "/docs/scalar.js", "/favicon.ico", "/"].map((path) => ({
      method: "GET",
      pattern: pathPattern(path),
    })),
  ];

  app.notFound((c) => {
    const allowed = [
      ...new Set(known.filter((k) => k.pattern.test(c.req.path)).map((k) => k.method)),
    ];
    if (allowed.length > 0) {
      c.header("allow", allowed.join(", "));
      return handleError(
        new GatewayError(
          405,
          "method_not_allowed",
          `${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(" or ")}`,
        ),
        c,
        logger,
      );
    }
    return handleError(
      new NotFoundError(`no route for ${c.req.method} ${c.req.path}`, { code: "route_not_found" }),
      c,
      logger,
    );
  });
  app.onError((error, c) => handleError(error, c, logger));
  return app;
}

/**
 * Serves one request: gives it an id (the client's `x-request-id` when well-formed), runs the
 * app, and records it in the metrics and the access log. Done around the app rather than as a
 * Hono middleware: with one handler per route Hono calls it directly, and a middleware would
 * put every request through its compose chain (measured: about a tenth of the CPU a chat request
 * costs the gateway). An exact invocation path skips Hono (see direct.ts), and its handler
 * answers its errors and records the request itself, so the hot path has no async layer here.
 */
export function createHandler(
  deps: AppDeps,
): (request: Request, connection: ConnectionInfo) => Promise<Response> {
  const defs = routeDefs(deps);
  const app = createApp(deps, defs);
  const direct = new DirectRoutes(defs);
  const { gateway } = deps;
  const viaHono = async (request: Request, scope: RequestScope) =>
    finishRequest(gateway, request, scope, await app.fetch(request, scope));
  return (request, connection) => {
    const given = request.headers.get("x-request-id");
    const scope: RequestScope = {
      requestId: given !== null && REQUEST_ID.test(given) ? given : crypto.randomUUID(),
      connection,
      started: performance.now(),
      endpoint: undefined,
      idInHeaders: false,
    };
    const match = request.method === "POST" ? direct.match(request.url) : undefined;
    return match === undefined
      ? viaHono(request, scope)
      : match.invocation(request, scope, match.name);
  };
}

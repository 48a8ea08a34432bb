/**
 * Builds the Hono app: request ids, access log, the one error handler, 404/405 in the error
 * envelope, and the route modules (OpenAI, MLflow, operations).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "./context.ts";
import { honoPath, mount } from "./mount.ts";
import { handleError } from "./errors.ts";
import { openAIRoutes } from "./routes/openai.ts";
import { mlflowRoutes } from "./routes/mlflow.ts";
import { mountDocs, opsRoutes } from "./routes/ops.ts";
import { GatewayError, NotFoundError } from "../core/errors.ts";
import { CachedRouter } from "./router.ts";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function pathPattern(path: string): RegExp {
  const escaped = path.replace(/\/+$/, "").split("/").map((segment) =>
    segment.startsWith(":") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  ).join("/");
  return new RegExp(`^${escaped}/?$`);
}

export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const { gateway } = deps;
  const logger = gateway.logger;
  const app = new OpenAPIHono<AppEnv>({ strict: false, router: new CachedRouter() });

  app.use(async (c, next) => {
    const given = c.req.header("x-request-id");
    const requestId = given !== undefined && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    c.set("requestId", requestId);
    const started = performance.now();
    await next();
    c.res.headers.set("x-request-id", requestId);
    gateway.metrics.request(c.get("endpoint"), c.res.status, (performance.now() - started) / 1000);
    if (logger.enabled("info")) {
      logger.info("request", {
        request_id: requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        endpoint: c.get("endpoint"),
      });
    }
  });

  const defs = [...openAIRoutes(deps), ...mlflowRoutes(deps), ...opsRoutes(deps)];
  mount(app, defs);
  mountDocs(app, deps);

  const known = [
    ...defs.flatMap((def) =>
      [def.route.path, ...(def.aliases ?? [])].map((path) => ({
        method: def.route.method.toUpperCase(),
        pattern: pathPattern(honoPath(path)),
      }))
    ),
    ...["/openapi.json", "/docs", "/docs/scalar.js", "/"].map((path) => ({
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

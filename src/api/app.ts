/**
 * Builds the Hono app: the route modules (OpenAI, MLflow, operations), the OpenAPI document,
 * 404/405 in the error envelope and the one error handler. The steps every request passes are
 * in pipeline.ts.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "./context.ts";
import { honoPaths, mount } from "./mount.ts";
import { handleError } from "./errors.ts";
import { openAIRoutes } from "./routes/openai.ts";
import { mlflowRoutes } from "./routes/mlflow.ts";
import { anthropicRoutes } from "./routes/anthropic.ts";
import { mountDocs, opsRoutes } from "./routes/ops.ts";
import { adminRoutes } from "./routes/admin.ts";
import { responsesRoutes } from "./routes/responses.ts";
import { geminiRoutes } from "./routes/gemini.ts";
import { dashboardRoutes } from "./routes/dashboard.ts";
import { uiRoutes } from "./routes/ui.ts";
import { GatewayError, NotFoundError } from "../core/errors.ts";
import { CachedRouter } from "./router.ts";
import type { RouteDef } from "./mount.ts";

function pathPattern(path: string): RegExp {
  const escaped = path.replace(/\/+$/, "").split("/").map((segment) =>
    segment.startsWith(":") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  ).join("/");
  return new RegExp(`^${escaped}/?$`);
}

/** Every route of the API. */
export function routeDefs(deps: AppDeps): RouteDef[] {
  return [
    ...openAIRoutes(deps),
    ...anthropicRoutes(deps),
    ...responsesRoutes(deps),
    ...geminiRoutes(deps),
    ...mlflowRoutes(deps),
    ...opsRoutes(deps),
    ...adminRoutes(deps),
    ...dashboardRoutes(deps),
    ...uiRoutes(deps),
  ];
}

/** The Hono app: every route, the OpenAPI document, 404/405 and the error envelope. */
export function createApp(
  deps: AppDeps,
  defs: readonly RouteDef[] = routeDefs(deps),
): OpenAPIHono<AppEnv> {
  const logger = deps.gateway.logger;
  const app = new OpenAPIHono<AppEnv>({ strict: false, router: new CachedRouter() });

  mount(app, defs);
  mountDocs(app, deps);

  const known = [
    ...defs.flatMap((def) =>
      honoPaths(def).map((path) => ({
        method: def.route.method.toUpperCase(),
        pattern: pathPattern(path),
      }))
    ),
    ...["/openapi.json", "/docs", "/docs/scalar.js", "/favicon.ico", "/", "/redoc"].map((path) => ({
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
    // A path no API serves: MLflow's `detail` too, as MLflow answers `{"detail": "Not Found"}`.
    return handleError(
      new NotFoundError(`no route for ${c.req.method} ${c.req.path}`, { code: "route_not_found" }),
      c,
      logger,
      true,
    );
  });
  app.onError((error, c) => handleError(error, c, logger));
  return app;
}

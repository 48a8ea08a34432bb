/** Operational routes: health, the OpenAPI document and the API reference (served offline). */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import type { AppDeps, AppEnv } from "../context.ts";
import type { RouteDef } from "../mount.ts";
import type { Gateway } from "../../core/gateway.ts";
import process from "node:process";

const SCALAR_PATH = "/docs/scalar.js";

/** The icon browsers ask for at /favicon.ico (an SVG, kept in the code so the binary carries it). */
const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="7" fill="#1e1e20"/>
<path d="M9 25V14a7 7 0 0 1 14 0v11" fill="none" stroke="#e36002" stroke-width="4"/>
<path d="M4 25h24" stroke="#f6f6f6" stroke-width="3" stroke-linecap="round"/>
</svg>
`;

let scalarScript: Promise<string> | undefined;

/** The API reference's script, bundled into the binary and loaded on first use. */
function loadScalarScript(): Promise<string> {
  scalarScript ??= import("@scalar/api-reference/browser/standalone.js", { with: { type: "text" } })
    .then((module: { default: string }) => module.default);
  return scalarScript;
}

/** Live state for GET /health/details: the config served, the limit store, streams, circuits. */
function healthDetails(gateway: Gateway): Record<string, unknown> {
  const snapshot = gateway.snapshot;
  return {
    status: "OK",
    pid: process.pid,
    config: {
      source: snapshot.config.source,
      version: snapshot.version,
      loaded_at: snapshot.loadedAt.toISOString(),
    },
    rate_limits: gateway.rateLimitStore(),
    streams_in_flight: gateway.streamsInFlight,
    endpoints: [...snapshot.endpoints.values()].map((ep) => ({
      name: ep.spec.name,
      endpoint_type: ep.spec.type,
      provider: ep.spec.providerLabel,
      circuit: gateway.circuit(ep.spec.name),
    })),
    routes: [...snapshot.routes.values()].map((route) => {
      const picks = gateway.routeStats.picksOf(route.name);
      return {
        name: route.name,
        routing_strategy: route.strategy,
        destinations: route.destinations.map((d) => {
          const price = snapshot.endpoints.get(d.name)?.price;
          return {
            name: d.name,
            picked: picks[d.name] ?? 0,
            // USD per million tokens, as configs and price pages give them.
            price: price === undefined
              ? null
              : { input: price.input * 1e6, output: price.output * 1e6 },
            latency_ms: {
              answer: roundMs(gateway.routeStats.latencyOf(d.name, false)),
              stream: roundMs(gateway.routeStats.latencyOf(d.name, true)),
            },
          };
        }),
      };
    }),
  };
}

function roundMs(ms: number | undefined): number | null {
  return ms === undefined ? null : Math.round(ms * 10) / 10;
}

export function opsRoutes({ gateway, metrics }: AppDeps): RouteDef[] {
  return [
    {
      route: createRoute({
        method: "get",
        path: "/health",
        tags: ["Operations"],
        summary: "Liveness",
        responses: {
          200: {
            description: "The gateway is serving",
            content: { "application/json": { schema: z.object({ status: z.literal("OK") }) } },
          },
        },
      }),
      handler: (c) => c.json({ status: "OK" }),
      // Liveness probes come without credentials.
      public: true,
    },
    {
      route: createRoute({
        method: "get",
        path: "/health/details",
        tags: ["Operations"],
        summary: "Live state: config version, rate-limit store (Redis) connection, circuits",
        responses: {
          200: {
            description: "The gateway's live state",
            content: {
              "application/json": {
                schema: z.object({
                  status: z.literal("OK"),
                  pid: z.number().openapi({
                    description: "The serving process (one of the workers with --workers)",
                  }),
                  config: z.object({
                    source: z.string(),
                    version: z.number(),
                    loaded_at: z.string(),
                  }),
                  rate_limits: z.object({
                    backend: z.enum(["memory", "redis"]),
                    connected: z.boolean(),
                    error: z.string().optional(),
                  }),
                  streams_in_flight: z.number(),
                  endpoints: z.array(z.object({
                    name: z.string(),
                    endpoint_type: z.string(),
                    provider: z.string(),
                    circuit: z.object({
                      state: z.enum(["closed", "open", "half_open"]),
                      consecutive_failures: z.number(),
                      retry_after: z.number().optional(),
                    }),
                  })),
                  routes: z.array(z.object({
                    name: z.string(),
                    routing_strategy: z.string(),
                    destinations: z.array(z.object({
                      name: z.string(),
                      picked: z.number().openapi({
                        description: "times a LEAST_COST or LEAST_LATENCY route chose it first",
                      }),
                      price: z.object({ input: z.number(), output: z.number() }).nullable(),
                      latency_ms: z.object({
                        answer: z.number().nullable(),
                        stream: z.number().nullable(),
                      }),
                    })),
                  })),
                }),
              },
            },
          },
        },
      }),
      handler: (c) => c.json(healthDetails(gateway)),
    },
    {
      route: createRoute({
        method: "get",
        path: "/metrics",
        tags: ["Operations"],
        summary:
          "Counters in Prometheus text format (requests, durations, tokens, retries, fallbacks)",
        responses: {
          200: {
            description: "Prometheus exposition text",
            content: { "text/plain": { schema: z.string() } },
          },
        },
      }),
      handler: (c) => {
        c.header("content-type", "text/plain; version=0.0.4; charset=utf-8");
        return c.body(metrics?.() ?? gateway.metrics.render());
      },
      admin: true,
    },
  ];
}

/**
 * Mounts /openapi.json, /docs (Scalar, with its script served locally and nothing fetched from
 * elsewhere), /favicon.ico and the / redirect.
 */
export function mountDocs(app: OpenAPIHono<AppEnv>, { version }: AppDeps): void {
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Gateway",
      version,
      description:
        "One endpoint in front of many LLM providers. OpenAI-compatible routes under /v1, MLflow AI Gateway routes under /endpoints, /gateway and /api.",
    },
  });
  app.get(
    "/docs",
    Scalar({
      url: "/openapi.json",
      cdn: SCALAR_PATH,
      pageTitle: "Gateway API",
      // The page makes no request beyond this gateway (it must work in a locked-down network);
      // tests/e2e/docs_browser_test.ts loads it in Chromium and records every request. The names
      // are @scalar/api-reference 1.46.4's (its bundled config schema):
      // - no fonts from fonts.scalar.com;
      withDefaultFonts: false,
      // - no "Ask AI" agent: on a localhost page it turns itself on and at once fetches Scalar's
      //   API registry through proxy.scalar.com;
      agent: { disabled: true },
      // - no developer toolbar ("Share" uploads the document to api.scalar.com, "Deploy",
      //   "Configure"): by default it shows on localhost;
      showDeveloperTools: "never",
      // - "Test Request" calls the gateway directly: with no proxyUrl a proxy may be filled in
      //   (proxy.scalar.com for the web layout); "" means none;
      proxyUrl: "",
      // - no "Open API Client" link, which sends the document's URL to client.scalar.com;
      hideClientButton: true,
      // - no telemetry (declared in the schema, read by nothing in 1.46.4; off for later versions).
      telemetry: false,
    }),
  );
  app.get("/favicon.ico", (c) => {
    c.header("content-type", "image/svg+xml");
    c.header("cache-control", "public, max-age=86400");
    return c.body(FAVICON_SVG);
  });
  app.get(SCALAR_PATH, async (c) => {
    c.header("content-type", "text/javascript; charset=utf-8");
    c.header("cache-control", "public, max-age=86400");
    return c.body(await loadScalarScript());
  });
  app.get("/", (c) => c.redirect("/docs", 307));
  // MLflow's gateway serves ReDoc at /redoc: its readers land on the same reference.
  app.get("/redoc", (c) => c.redirect("/docs", 307));
}

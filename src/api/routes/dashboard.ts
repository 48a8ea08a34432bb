/**
 * The admin APIs the dashboard (`/ui`) reads, kept in this process from the completed records:
 * the overview's series (`/api/2.0/gateway/activity`), the latest requests and one request's
 * record (`/api/2.0/gateway/requests`), and each endpoint's and route's live state
 * (`/api/2.0/gateway/status`). With authentication on, each needs an admin key.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../context.ts";
import type { RouteDef } from "../mount.ts";
import { InvalidRequestError, NotFoundError } from "../../core/errors.ts";
import { errorResponses } from "../../schemas/errors.ts";
import { builtOnFirstUse } from "../../schemas/lazy.ts";
import {
  ACTIVITY_WINDOWS,
  type ActivityReport,
  type ActivityWindow,
} from "../../observe/activity.ts";
import { type RecentRequest, STATUS_FILTER } from "../../observe/recent.ts";
import { BUDGET_PERIODS } from "../../config/schema.ts";
import type { Gateway } from "../../core/gateway.ts";
import process from "node:process";

const WINDOW_NAMES = Object.keys(ACTIVITY_WINDOWS) as ActivityWindow[];

export const HEALTH = ["ok", "failing", "down", "recovering", "idle"] as const;
export type Health = (typeof HEALTH)[number];

/**
 * The documented shapes of these answers: only /openapi.json reads them, so they are built when
 * it is first asked for (schemas/lazy.ts).
 */
function buildSchemas() {
  const Figures = z.object({
    requests: z.number(),
    errors: z.number(),
    prompt_tokens: z.number(),
    completion_tokens: z.number(),
    cost_usd: z.number(),
    p50_ms: z.number().nullable(),
    p95_ms: z.number().nullable(),
    overhead_p50_ms: z.number().nullable().openapi({
      description: "the gateway's own time (the total less the time waiting on upstreams) of " +
        "complete answers; a stream's total includes the upstream's generation",
    }),
    overhead_p95_ms: z.number().nullable(),
  });

  const ActivityReportSchema = z.object({
    window: z.enum(WINDOW_NAMES as [ActivityWindow, ...ActivityWindow[]]),
    step_seconds: z.number(),
    since: z.string().openapi({ description: "when this process began counting" }),
    start: z.string(),
    end: z.string(),
    points: z.array(Figures.extend({
      start: z.string(),
      requests_per_second: z.number().nullable().openapi({
        description: "over the part of the step this process counted (null: before it started)",
      }),
    })),
    totals: Figures.extend({
      error_rate: z.number().nullable(),
      requests_per_second: z.number(),
    }),
  }).openapi("Activity");

  const AttemptSchema = z.object({
    endpoint: z.string(),
    provider: z.string(),
    model: z.string().nullable(),
    outcome: z.string(),
    status: z.number(),
    ms: z.number(),
    then: z.enum(["retry", "fallback"]).optional(),
  });

  const UsageSchema = z.object({
    prompt: z.number(),
    completion: z.number(),
    total: z.number(),
    cached: z.number(),
    reasoning: z.number(),
  });

  const RecentRequestSchema = z.object({
    id: z.string(),
    at: z.string(),
    method: z.string(),
    path: z.string(),
    ingress: z.string(),
    key: z.string().openapi({ description: "the client key's name (`anonymous` without auth)" }),
    target: z.string().nullable(),
    endpoint: z.string().nullable(),
    provider: z.string().nullable(),
    model: z.string().nullable(),
    stream: z.boolean(),
    status: z.number(),
    outcome: z.string(),
    error_type: z.string().nullable(),
    total_ms: z.number(),
    upstream_ms: z.number(),
    overhead_ms: z.number(),
    first_chunk_ms: z.number().nullable(),
    usage: UsageSchema.nullable(),
    cost_usd: z.number().nullable(),
    retries: z.number(),
    fallbacks: z.number(),
    attempts: z.array(AttemptSchema),
    routing: z.object({
      strategy: z.string(),
      chosen: z.string(),
      figure: z.number().optional(),
      explored: z.boolean().optional(),
    }).nullable(),
    cache: z.string().nullable(),
  }).openapi("RecentRequest");

  const EndpointErrorSchema = z.object({
    at: z.string(),
    request_id: z.string(),
    status: z.number(),
    error_type: z.string(),
  });

  const EndpointStatusSchema = z.object({
    name: z.string(),
    endpoint_type: z.string(),
    provider: z.string(),
    model: z.string().nullable(),
    limit: z.object({
      calls: z.number().nullable(),
      tokens: z.number().nullable(),
      renewal_period: z.string(),
      per_client: z.boolean(),
      used: z.object({
        calls: z.number().nullable(),
        tokens: z.number().nullable(),
        reset_seconds: z.number(),
      }).nullable().openapi({ description: "the current window (null per client address)" }),
    }).nullable(),
    budget: z.object({
      usd: z.number(),
      period: z.enum(BUDGET_PERIODS),
      spent_usd: z.number(),
    }).nullable(),
    circuit: z.object({
      state: z.enum(["closed", "open", "half_open"]),
      consecutive_failures: z.number(),
      retry_after: z.number().optional(),
    }),
    health: z.enum(HEALTH).openapi({
      description: "down: circuit open; recovering: half open; failing: its latest upstream " +
        "attempt failed; ok: it succeeded; idle: no attempt since the process started",
    }),
    attempts: z.number(),
    failures: z.number(),
    last_at: z.string().nullable(),
    errors: z.array(EndpointErrorSchema).openapi({ description: "its latest failures" }),
  });

  const RouteStatusSchema = z.object({
    name: z.string(),
    task_type: z.string(),
    routing_strategy: z.string(),
    destinations: z.array(z.object({
      name: z.string(),
      weight: z.number().nullable(),
      served: z.number(),
      failed_over: z.number().openapi({
        description: "times the route moved on from it to the next destination",
      }),
    })),
  });

  const GatewayStatusSchema = z.object({
    version: z.string(),
    pid: z.number(),
    config: z.object({ source: z.string(), version: z.number(), loaded_at: z.string() }),
    auth: z.boolean(),
    store: z.enum(["sqlite", "memory", "postgres"]),
    audit_bodies: z.boolean(),
    endpoints: z.array(EndpointStatusSchema),
    routes: z.array(RouteStatusSchema),
  }).openapi("GatewayStatus");

  return {
    Activity: ActivityReportSchema,
    RecentRequest: RecentRequestSchema,
    RecentRequests: z.object({
      requests: z.array(RecentRequestSchema),
      kept: z.number().openapi({ description: "how many requests are kept" }),
    }),
    RecentRequestWithBodies: RecentRequestSchema.extend({
      request_body: z.unknown().optional(),
      response_body: z.unknown().optional(),
    }),
    EndpointStatus: EndpointStatusSchema,
    GatewayStatus: GatewayStatusSchema,
  };
}

const schemas = builtOnFirstUse(buildSchemas);
type Schemas = ReturnType<typeof buildSchemas>;

export type GatewayStatus = z.infer<Schemas["GatewayStatus"]>;
export type EndpointStatus = z.infer<Schemas["EndpointStatus"]>;
export type RouteStatus = GatewayStatus["routes"][number];
export type { ActivityReport, RecentRequest };

/** What the code answers with fits the documented schemas (checked when type-checking). */
type Fits<Answer, Documented> = [Answer] extends [Documented] ? true : false;
const answersFit: [
  Fits<ActivityReport, z.infer<Schemas["Activity"]>>,
  Fits<RecentRequest, z.infer<Schemas["RecentRequest"]>>,
] = [true, true];
void answersFit;

const ADMIN_ERRORS = [400, 401, 403];

function healthOf(circuit: EndpointStatus["circuit"], lastOk: boolean | null): Health {
  if (circuit.state === "open") return "down";
  if (circuit.state === "half_open") return "recovering";
  return lastOk === null ? "idle" : lastOk ? "ok" : "failing";
}

/** Every endpoint's and route's live state. */
async function gatewayStatus(gateway: Gateway, version: string): Promise<GatewayStatus> {
  const snapshot = gateway.snapshot;
  const endpoints = await Promise.all([...snapshot.endpoints.values()].map(async (ep) => {
    const spec = ep.spec;
    const circuit = gateway.circuit(spec.name);
    const activity = gateway.activity.endpoint(spec.name);
    const limit = spec.limit;
    const budget = spec.budget;
    return {
      name: spec.name,
      endpoint_type: spec.type,
      provider: spec.providerLabel,
      model: spec.model,
      limit: limit === null ? null : {
        calls: limit.calls ?? null,
        tokens: limit.tokens ?? null,
        renewal_period: limit.renewal_period,
        per_client: limit.key === "client_ip",
        used: (await gateway.limitUsage(spec.name)) ?? null,
      },
      budget: budget === null ? null : {
        ...budget,
        spent_usd: Math.round(await gateway.budgets.spent("endpoint", spec.name, budget) * 1e6) /
          1e6,
      },
      circuit,
      health: healthOf(circuit, activity.last_ok),
      attempts: activity.attempts,
      failures: activity.failures,
      last_at: activity.last_at,
      errors: activity.errors,
    };
  }));
  const routes = [...snapshot.routes.values()].map((route) => {
    const served = gateway.activity.route(route.name);
    return {
      name: route.name,
      task_type: route.type,
      routing_strategy: route.strategy,
      destinations: route.destinations.map((d) => ({
        name: d.name,
        weight: d.weight,
        served: served[d.name]?.served ?? 0,
        failed_over: served[d.name]?.failed_over ?? 0,
      })),
    };
  });
  return {
    version,
    pid: process.pid,
    config: {
      source: snapshot.config.source,
      version: snapshot.version,
      loaded_at: snapshot.loadedAt.toISOString(),
    },
    auth: snapshot.config.auth !== undefined,
    store: gateway.store.kind,
    audit_bodies: gateway.auditsBodies,
    endpoints,
    routes,
  };
}

function limitParam(value: string | undefined): number {
  if (value === undefined || value === "") return 100;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new InvalidRequestError("limit must be a whole number from 1 to 1000", {
      param: "limit",
    });
  }
  return limit;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

export function dashboardRoutes({ gateway, version }: AppDeps): RouteDef[] {
  return [
    {
      route: createRoute({
        method: "get",
        path: "/api/2.0/gateway/activity",
        tags: ["Administration"],
        summary: "Requests, errors, latency, overhead, tokens and cost over time (this process)",
        request: {
          query: z.object({
            window: z.enum(WINDOW_NAMES as [ActivityWindow, ...ActivityWindow[]]).optional()
              .openapi({
                description: "1h (by minute, the default), 24h (by 15 min), 7d (by hour)",
              }),
          }),
        },
        responses: {
          200: {
            description: "The series and the window's totals",
            content: { "application/json": { schema: z.lazy(() => schemas().Activity) } },
          },
          ...errorResponses(...ADMIN_ERRORS),
        },
      }),
      handler: (c) => {
        const window = nonEmpty(c.req.query("window")) ?? "1h";
        if (!(window in ACTIVITY_WINDOWS)) {
          throw new InvalidRequestError(`window must be one of ${WINDOW_NAMES.join(", ")}`, {
            param: "window",
          });
        }
        return c.json(gateway.activity.report(window as ActivityWindow));
      },
      admin: true,
    },
    {
      route: createRoute({
        method: "get",
        path: "/api/2.0/gateway/requests",
        tags: ["Administration"],
        summary: "The latest requests of client APIs, newest first (this process; no bodies)",
        request: {
          query: z.object({
            limit: z.string().optional().openapi({ description: "1 to 1000 (default 100)" }),
            status: z.string().optional().openapi({
              description: "ok, error, a class such as 4xx, or a status such as 429",
            }),
            endpoint: z.string().optional().openapi({
              description: "the endpoint that served it, or the endpoint or route called",
            }),
            key: z.string().optional().openapi({ description: "the client key's name" }),
          }),
        },
        responses: {
          200: {
            description: "The requests",
            content: {
              "application/json": {
                schema: z.lazy(() => schemas().RecentRequests),
              },
            },
          },
          ...errorResponses(...ADMIN_ERRORS),
        },
      }),
      handler: (c) => {
        const status = nonEmpty(c.req.query("status"));
        if (status !== undefined && !STATUS_FILTER.test(status)) {
          throw new InvalidRequestError(
            "status must be ok, error, a class such as 5xx, or a status such as 429",
            { param: "status" },
          );
        }
        const requests = gateway.recent.list({
          limit: limitParam(c.req.query("limit")),
          status,
          endpoint: nonEmpty(c.req.query("endpoint")),
          key: nonEmpty(c.req.query("key")),
        });
        return c.json({ requests, kept: gateway.recent.size });
      },
      admin: true,
    },
    {
      route: createRoute({
        method: "get",
        path: "/api/2.0/gateway/requests/{id}",
        tags: ["Administration"],
        summary: "One recent request's record, with its bodies when the audit log keeps them",
        request: { params: z.object({ id: z.string() }) },
        responses: {
          200: {
            description: "The record",
            content: {
              "application/json": {
                schema: z.lazy(() => schemas().RecentRequestWithBodies),
              },
            },
          },
          ...errorResponses(...ADMIN_ERRORS, 404),
        },
      }),
      handler: (c) => {
        const id = c.req.param("id") ?? "";
        const found = gateway.recent.find(id);
        if (found === undefined) {
          throw new NotFoundError(`no recent request with the id '${id.slice(0, 128)}'`, {
            param: "id",
          });
        }
        const bodies = found.bodies === undefined ? {} : gateway.redactBodies({
          request_body: found.bodies.request ?? null,
          response_body: found.bodies.response ?? null,
        }) as Record<string, unknown>;
        return c.json({ ...found.summary, ...bodies });
      },
      admin: true,
    },
    {
      route: createRoute({
        method: "get",
        path: "/api/2.0/gateway/status",
        tags: ["Administration"],
        summary: "Endpoints (limit used, budget spent, circuit, health, last errors) and routes",
        responses: {
          200: {
            description: "The live state",
            content: { "application/json": { schema: z.lazy(() => schemas().GatewayStatus) } },
          },
          ...errorResponses(...ADMIN_ERRORS),
        },
      }),
      handler: async (c) => c.json(await gatewayStatus(gateway, version)),
      admin: true,
    },
  ];
}

/**
 * The operator's API: usage and cost (`GET /api/2.0/gateway/usage`) and client keys created at
 * run time (`/api/2.0/gateway/keys`). With authentication on, each needs an admin key.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../context.ts";
import type { RouteDef } from "../mount.ts";
import { GatewayError, InvalidRequestError, NotFoundError } from "../../core/errors.ts";
import { errorResponses } from "../../schemas/errors.ts";
import {
  GROUP_BY,
  type GroupBy,
  type Interval,
  INTERVALS,
  parseTime,
} from "../../store/usage_report.ts";
import {
  checkNewKey,
  createStoredKey,
  listKeys,
  type NewKey,
  parseBudget,
} from "../../auth/key_admin.ts";
import { type Budget, BUDGET_PERIODS } from "../../config/schema.ts";
import { isRecord } from "../../core/records.ts";

const UsageLine = z.object({
  group: z.string(),
  interval_start: z.string().optional(),
  requests: z.number(),
  errors: z.number(),
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
  cost_usd: z.number(),
  unpriced_requests: z.number(),
  p50_ms: z.number().nullable(),
  p95_ms: z.number().nullable(),
});

const UsageReportSchema = z.object({
  start: z.string(),
  end: z.string(),
  group_by: z.enum(GROUP_BY),
  interval: z.enum(INTERVALS).nullable(),
  lines: z.array(UsageLine),
  totals: UsageLine.omit({ group: true, interval_start: true }),
  store: z.object({
    kind: z.enum(["sqlite", "memory"]),
    buffered: z.number(),
    dropped: z.number(),
  }),
}).openapi("UsageReport");

const BudgetSchema = z.object({ usd: z.number(), period: z.enum(BUDGET_PERIODS) });

const KeyInfo = z.object({
  name: z.string(),
  source: z.enum(["config", "store"]),
  admin: z.boolean(),
  endpoints: z.array(z.string()).nullable(),
  budget: BudgetSchema.nullable(),
  spent_usd: z.number().nullable(),
  created_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
}).openapi("ClientKey");

const ADMIN_ERRORS = [400, 401, 403];

/** A time query parameter, or `fallback` when absent. */
function timeParam(value: string | undefined, name: string, fallback: number, now: number) {
  if (value === undefined || value === "") return fallback;
  const parsed = parseTime(value, now);
  if (parsed === undefined) {
    throw new InvalidRequestError(
      `invalid ${name} '${value.slice(0, 100)}': use ISO 8601, Unix seconds or an age like 7d`,
      { param: name },
    );
  }
  return parsed;
}

function oneOf<T extends string>(value: string | undefined, name: string, allowed: readonly T[]) {
  if (value === undefined || value === "") return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InvalidRequestError(`${name} must be one of ${allowed.join(", ")}`, { param: name });
}

/** A new key's fields from a request body. */
function newKeyOf(body: unknown): NewKey {
  if (!isRecord(body)) throw new InvalidRequestError("the body must be a JSON object");
  const { name, endpoints, budget } = body;
  if (typeof name !== "string") {
    throw new InvalidRequestError("'name' is required (a string)", { param: "name" });
  }
  if (
    endpoints !== undefined && endpoints !== null &&
    !(Array.isArray(endpoints) && endpoints.every((e) => typeof e === "string"))
  ) {
    throw new InvalidRequestError("'endpoints' must be a list of names", { param: "endpoints" });
  }
  let parsedBudget: Budget | null = null;
  if (typeof budget === "string" || typeof budget === "number") {
    parsedBudget = parseBudget(String(budget));
  } else if (isRecord(budget)) {
    const parsed = BudgetSchema.safeParse({ period: "month", ...budget });
    if (!parsed.success || parsed.data.usd <= 0) {
      throw new InvalidRequestError(
        `'budget' must be {usd, period} with usd > 0 and period one of ${
          BUDGET_PERIODS.join(", ")
        }`,
        { param: "budget" },
      );
    }
    parsedBudget = parsed.data;
  } else if (budget !== undefined && budget !== null) {
    throw new InvalidRequestError("'budget' must be like '50/month' or {usd, period}", {
      param: "budget",
    });
  }
  return {
    name,
    endpoints: (endpoints as string[] | null | undefined) ?? null,
    budget: parsedBudget,
  };
}

export function adminRoutes({ gateway, keys }: AppDeps): RouteDef[] {
  const configKeys = () => gateway.snapshot.config.auth?.keys ?? [];
  /** What a key has spent of its budget this period. */
  const spentOf = async (name: string, budget: Budget | null) =>
    budget === null
      ? null
      : Math.round(await gateway.budgets.spent("client", name, budget) * 1e6) / 1e6;
  return [
    {
      route: createRoute({
        method: "get",
        path: "/api/2.0/gateway/usage",
        tags: ["Administration"],
        summary: "Usage and cost by endpoint, client key, model or provider",
        request: {
          query: z.object({
            start: z.string().optional().openapi({
              description: "ISO 8601, Unix seconds or an age such as 24h or 7d (default 24h)",
            }),
            end: z.string().optional().openapi({ description: "as start (default now)" }),
            group_by: z.enum(GROUP_BY).optional(),
            interval: z.enum(INTERVALS).optional(),
          }),
        },
        responses: {
          200: {
            description: "Requests, errors, tokens, cost and latency per group",
            content: { "application/json": { schema: UsageReportSchema } },
          },
          ...errorResponses(...ADMIN_ERRORS),
        },
      }),
      handler: async (c) => {
        const now = Date.now();
        const start = timeParam(c.req.query("start"), "start", now - 86_400_000, now);
        const end = timeParam(c.req.query("end"), "end", now + 1, now);
        const groupBy = oneOf<GroupBy>(c.req.query("group_by"), "group_by", GROUP_BY) ?? "endpoint";
        const interval = oneOf<Interval>(c.req.query("interval"), "interval", INTERVALS) ?? null;
        // Records still buffered are written first, so the report includes every finished request.
        await gateway.recorder.flush();
        const report = await gateway.store.report({
          start,
          end,
          groupBy,
          interval,
        });
        return c.json({
          ...report,
          store: {
            kind: gateway.store.kind,
            buffered: gateway.recorder.buffered,
            dropped: gateway.recorder.dropped,
          },
        });
      },
      admin: true,
    },
    {
      route: createRoute({
        method: "get",
        path: "/api/2.0/gateway/keys",
        tags: ["Administration"],
        summary: "Client keys: the config's and those created at run time (never their secrets)",
        responses: {
          200: {
            description: "The keys",
            content: { "application/json": { schema: z.object({ keys: z.array(KeyInfo) }) } },
          },
          ...errorResponses(...ADMIN_ERRORS),
        },
      }),
      handler: async (c) => {
        const keys = await listKeys(configKeys(), gateway.store);
        return c.json({
          keys: await Promise.all(keys.map(async (key) => ({
            ...key,
            spent_usd: key.revoked_at === null ? await spentOf(key.name, key.budget) : null,
          }))),
        });
      },
      admin: true,
    },
    {
      route: createRoute({
        method: "post",
        path: "/api/2.0/gateway/keys",
        tags: ["Administration"],
        summary: "Create a client key; its secret is in this answer only",
        request: {
          body: {
            content: {
              "application/json": {
                schema: z.object({
                  name: z.string(),
                  endpoints: z.array(z.string()).nullable().optional(),
                  budget: z.union([z.string(), BudgetSchema]).nullable().optional(),
                }),
              },
            },
          },
        },
        responses: {
          201: {
            description: "The new key, with its secret",
            content: {
              "application/json": { schema: KeyInfo.extend({ key: z.string() }) },
            },
          },
          ...errorResponses(...ADMIN_ERRORS),
        },
      }),
      handler: async (c) => {
        let body: unknown;
        try {
          body = await c.req.json();
        } catch {
          throw new InvalidRequestError("the body must be JSON");
        }
        // With authentication off anyone may call this API: keys made then would hold once it
        // is turned on. They are made offline instead (`gateway keys create --config-path`).
        if (gateway.snapshot.config.auth === undefined) {
          throw new GatewayError(
            409,
            "invalid_request_error",
            "authentication is off (no server.auth): keys are created through this API only " +
              "once it is on, or offline with 'gateway keys create --config-path'",
            { code: "auth_off" },
          );
        }
        const key = newKeyOf(body);
        const snapshot = gateway.snapshot;
        checkNewKey(
          key,
          configKeys(),
          new Set([...snapshot.endpoints.keys(), ...snapshot.routes.keys()]),
        );
        const secret = await createStoredKey(gateway.store, key);
        keys?.invalidate();
        gateway.logger.info("client key created", { name: key.name, by: c.env.client });
        const info = (await listKeys([], gateway.store)).find((k) => k.name === key.name);
        return c.json({ ...info, spent_usd: 0, key: secret }, 201);
      },
      admin: true,
    },
    {
      route: createRoute({
        method: "delete",
        path: "/api/2.0/gateway/keys/{name}",
        tags: ["Administration"],
        summary: "Revoke a client key created at run time",
        request: { params: z.object({ name: z.string() }) },
        responses: {
          200: {
            description: "Revoked",
            content: {
              "application/json": {
                schema: z.object({ name: z.string(), revoked: z.literal(true) }),
              },
            },
          },
          ...errorResponses(...ADMIN_ERRORS, 404),
        },
      }),
      handler: async (c) => {
        const name = c.req.param("name") ?? "";
        if (configKeys().some((k) => k.name === name)) {
          throw new InvalidRequestError(
            `the key '${name}' is defined in the config: remove it there`,
            { param: "name" },
          );
        }
        if (!(await gateway.store.revokeKey(name, Date.now()))) {
          throw new NotFoundError(`no active key named '${name}'`, { param: "name" });
        }
        keys?.invalidate();
        gateway.logger.info("client key revoked", { name, by: c.env.client });
        return c.json({ name, revoked: true as const });
      },
      admin: true,
    },
  ];
}

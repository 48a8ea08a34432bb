/**
 * Checks across entries that a per-field schema cannot make: unique names, route destinations
 * that exist and match, traffic percentages, providers that serve the endpoint's type.
 * Works on the raw data (leniently), so these problems come alongside the schema's.
 */
import { canonicalProvider, ENDPOINT_TYPES, type EndpointType } from "./schema.ts";
import { formatPath, type Problem } from "./problems.ts";
import { didYouMean } from "./suggest.ts";
import { PROVIDER_INFO } from "../providers/registry.ts";
import { OPERATION_OF } from "../core/provider.ts";
import { isRecord } from "../core/records.ts";
import { priceOf } from "../core/prices.ts";

export interface Check {
  at: PropertyKey[];
  atKey: boolean;
  problem: Omit<Problem, "line" | "col">;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function error(at: PropertyKey[], message: string, hint?: string): Check {
  const problem: Check["problem"] = { severity: "error", path: formatPath(at), message };
  if (hint !== undefined) problem.hint = hint;
  return { at, atKey: false, problem };
}

function warning(at: PropertyKey[], message: string, hint?: string): Check {
  const check = error(at, message, hint);
  check.problem.severity = "warning";
  return check;
}

function isEndpointType(value: unknown): value is EndpointType {
  return typeof value === "string" && (ENDPOINT_TYPES as readonly string[]).includes(value);
}

/** All cross-entry problems of a (possibly invalid) config. */
export function crossCheck(data: Record<string, unknown>): Check[] {
  const checks: Check[] = [];
  const endpoints = list(data.endpoints);
  const routes = list(data.routes);
  const seen = new Map<string, string>();
  const endpointTypes = new Map<string, EndpointType | undefined>();
  /** Whether each endpoint has a price (its own cost or the table's), for LEAST_COST routes. */
  const priced = new Map<string, boolean>();

  const claim = (name: unknown, at: PropertyKey[]) => {
    if (typeof name !== "string") return;
    const first = seen.get(name);
    if (first !== undefined) {
      checks.push(
        error(
          at,
          `duplicate name '${name}' (already used by ${first})`,
          "endpoint and route names must be unique",
        ),
      );
    } else {
      seen.set(name, formatPath(at.slice(0, 2)));
    }
  };

  endpoints.forEach((endpoint, i) => {
    if (!isRecord(endpoint)) return;
    claim(endpoint.name, ["endpoints", i, "name"]);
    if (typeof endpoint.name === "string" && !endpointTypes.has(endpoint.name)) {
      endpointTypes.set(
        endpoint.name,
        isEndpointType(endpoint.endpoint_type) ? endpoint.endpoint_type : undefined,
      );
    }
    const model = isRecord(endpoint.model) ? endpoint.model : undefined;
    const provider = typeof model?.provider === "string"
      ? canonicalProvider(model.provider)
      : undefined;
    if (typeof endpoint.name === "string" && provider !== undefined) {
      const cost = isRecord(model?.cost) && typeof model.cost.input === "number" &&
          typeof model.cost.output === "number"
        ? { input: model.cost.input, output: model.cost.output }
        : null;
      const id = typeof model?.name === "string" ? model.name : null;
      priced.set(endpoint.name, priceOf(provider, id, cost) !== undefined);
    }
    if (provider !== undefined && isEndpointType(endpoint.endpoint_type)) {
      const info = PROVIDER_INFO[provider];
      // A retired provider already has its own problem, naming the replacement.
      if (!info.retired && !info.serves[OPERATION_OF[endpoint.endpoint_type]]) {
        checks.push(warning(
          ["endpoints", i, "endpoint_type"],
          `provider '${provider}' cannot serve ${endpoint.endpoint_type}; requests to this endpoint will get 501`,
        ));
      }
    }
  });

  routes.forEach((route, r) => {
    if (!isRecord(route)) return;
    claim(route.name, ["routes", r, "name"]);
    const name = typeof route.name === "string" ? route.name : `#${r}`;
    const strategy = route.routing_strategy ?? "TRAFFIC_SPLIT";
    const destinations = list(route.destinations);
    let sum = 0;
    let allWeighted = true;
    destinations.forEach((destination, d) => {
      if (!isRecord(destination)) return;
      const at: PropertyKey[] = ["routes", r, "destinations", d];
      const target = destination.name;
      if (typeof target === "string") {
        if (!endpointTypes.has(target)) {
          checks.push(error(
            [...at, "name"],
            `route '${name}' has a destination '${target}' that is not an endpoint`,
            didYouMean(target, endpointTypes.keys()) ??
              (endpointTypes.size > 0
                ? `endpoints: ${[...endpointTypes.keys()].join(", ")}`
                : undefined),
          ));
        } else {
          const type = endpointTypes.get(target);
          if (isEndpointType(route.task_type) && type !== undefined && type !== route.task_type) {
            checks.push(error(
              [...at, "name"],
              `route '${name}' has task_type ${route.task_type} but its destination '${target}' is ${type}`,
            ));
          }
        }
      }
      const weight = destination.traffic_percentage;
      if (typeof weight === "number") sum += weight;
      else allWeighted = false;
      if (strategy === "TRAFFIC_SPLIT" && weight === undefined) {
        checks.push(
          error(
            at,
            `route '${name}' uses TRAFFIC_SPLIT, so each destination needs a traffic_percentage`,
          ),
        );
      }
      if (strategy === "FALLBACK" && weight !== undefined) {
        checks.push(warning(
          [...at, "traffic_percentage"],
          "traffic_percentage is ignored by FALLBACK routes (destinations are tried in order)",
        ));
      }
    });
    if (strategy === "LEAST_COST") {
      destinations.forEach((destination, d) => {
        if (!isRecord(destination) || typeof destination.name !== "string") return;
        const endpoint = priced.get(destination.name);
        if (endpoint === false) {
          checks.push(error(
            ["routes", r, "destinations", d, "name"],
            `route '${name}' routes by cost, but its destination '${destination.name}' has no price`,
            "give the endpoint's model a cost: {input, output} (USD per million tokens)",
          ));
        }
      });
    }
    if (strategy === "TRAFFIC_SPLIT" && allWeighted && destinations.length > 0 && sum !== 100) {
      checks.push(error(
        ["routes", r, "destinations"],
        `the traffic_percentage values of route '${name}' sum to ${sum}; they must sum to 100`,
      ));
    }
  });
  checks.push(...authChecks(data, seen));
  // A semantic cache embeds with one of the config's own embeddings endpoints.
  const semanticCheck = (entry: unknown, at: PropertyKey[]) => {
    const cache = isRecord(entry) && isRecord(entry.cache) ? entry.cache : undefined;
    const semantic = cache && isRecord(cache.semantic) ? cache.semantic : undefined;
    const target = semantic?.embeddings_endpoint;
    if (typeof target !== "string") return;
    const type = endpointTypes.get(target);
    if (type !== "llm/v1/embeddings") {
      checks.push(error(
        [...at, "cache", "semantic", "embeddings_endpoint"],
        type === undefined
          ? `'${target}' is not an endpoint of this config`
          : `'${target}' is an ${type} endpoint, not llm/v1/embeddings`,
        didYouMean(
          target,
          [...endpointTypes].filter(([, t]) => t === "llm/v1/embeddings").map(([n]) => n),
        ),
      ));
    }
  };
  endpoints.forEach((endpoint, i) => semanticCheck(endpoint, ["endpoints", i]));
  routes.forEach((route, r) => semanticCheck(route, ["routes", r]));
  const server = isRecord(data.server) ? data.server : {};
  if (isRecord(server.audit) && server.audit.store === true) {
    const store = typeof server.store === "string" ? server.store : "memory";
    if (store === "memory") {
      checks.push(error(
        ["server", "audit", "store"],
        "the audit log goes to the usage store, but the store is 'memory'",
        "set server.store to sqlite:PATH or postgres://..., or give the audit log a 'path'",
      ));
    }
  }
  return checks;
}

/** Client keys: unique names and secrets, endpoints that exist, a key for the admin API. */
function authChecks(data: Record<string, unknown>, names: ReadonlyMap<string, string>): Check[] {
  const server = isRecord(data.server) ? data.server : {};
  if (!isRecord(server.auth)) return [];
  const checks: Check[] = [];
  const keys = list(server.auth.keys);
  const seenNames = new Set<string>();
  const seenSecrets = new Set<string>();
  keys.forEach((key, k) => {
    if (!isRecord(key)) return;
    const at: PropertyKey[] = ["server", "auth", "keys", k];
    if (typeof key.name === "string") {
      if (seenNames.has(key.name)) {
        checks.push(error([...at, "name"], `duplicate key name '${key.name}'`));
      }
      seenNames.add(key.name);
    }
    const secret = typeof key.key === "string" ? key.key : undefined;
    if (secret !== undefined) {
      if (seenSecrets.has(secret)) {
        checks.push(error([...at, "key"], `key '${key.name}' has the same secret as another key`));
      }
      seenSecrets.add(secret);
    }
    list(key.endpoints).forEach((name, e) => {
      if (typeof name === "string" && !names.has(name)) {
        checks.push(error(
          [...at, "endpoints", e],
          `key '${key.name}' names '${name}', which is not an endpoint or route`,
          didYouMean(name, names.keys()),
        ));
      }
    });
  });
  if (!keys.some((key) => isRecord(key) && key.admin === true)) {
    checks.push(warning(
      ["server", "auth"],
      "no key has 'admin: true': /metrics, the usage API and the keys API cannot be used",
      "add a key with admin: true, or create keys with 'gateway keys create' on the store",
    ));
  }
  return checks;
}

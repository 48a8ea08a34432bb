/**
 * Choosing destinations for a route: weighted traffic split, ordered fallback, least expected
 * cost for this request, or least recent latency (with a share that explores the others).
 */
import type { LoadedRoute } from "../config/load.ts";
import type { Price } from "./prices.ts";

/** Picks one destination with probability proportional to its weight. */
export function pickWeighted<T extends { weight: number | null }>(
  items: readonly T[],
  random: () => number = Math.random,
): T | undefined {
  const total = items.reduce((sum, item) => sum + (item.weight ?? 0), 0);
  if (total <= 0) return items[0];
  let point = random() * total;
  for (const item of items) {
    point -= item.weight ?? 0;
    if (point < 0) return item;
  }
  return items.findLast((item) => (item.weight ?? 0) > 0);
}

/** What cost and latency ordering need to know of the destinations and the request. */
export interface RoutingFigures {
  priceOf(endpoint: string): Price | undefined;
  /** The endpoint's recent average latency in ms (undefined: not measured yet). */
  latencyOf(endpoint: string): number | undefined;
  /** The completion tokens to expect from the endpoint (its recent average, or a default). */
  completionOf(endpoint: string): number;
  /** The request's prompt tokens, estimated from its size. */
  promptTokens: number;
  /** The request's `max_tokens`, when it sets one. */
  maxTokens: number | undefined;
}

/** The order chosen for one request, and why (for the record and the logs). */
export interface Choice {
  order: string[];
  /** The first destination's figure: expected USD, or average ms (undefined: not measured). */
  figure?: number | undefined;
  /** The strategy explored a destination other than the best. */
  explored?: boolean;
}

/** The destinations in `order`, ties kept in the configured order (weight first). */
function sorted(route: LoadedRoute, key: (name: string) => number): string[] {
  return route.destinations
    .map((d, i) => ({ name: d.name, key: key(d.name), weight: d.weight ?? 0, i }))
    .sort((a, b) => a.key - b.key || b.weight - a.weight || a.i - b.i)
    .map((d) => d.name);
}

/** The expected USD of the request on an endpoint (Infinity when it has no price). */
export function expectedCost(endpoint: string, figures: RoutingFigures): number {
  const price = figures.priceOf(endpoint);
  if (price === undefined) return Infinity;
  const completion = figures.maxTokens ?? figures.completionOf(endpoint);
  return figures.promptTokens * price.input + completion * price.output;
}

/**
 * The endpoint names to try, in order: TRAFFIC_SPLIT the one it picked; FALLBACK every
 * destination in the configured order; LEAST_COST every destination from the cheapest for this
 * request; LEAST_LATENCY every destination from the fastest of late (one not measured yet
 * first, so that it gets measured), except for an `explore` share of requests that start with
 * another one at random.
 */
export function chooseDestinations(
  route: LoadedRoute,
  random: () => number = Math.random,
  figures?: RoutingFigures,
): Choice {
  switch (route.strategy) {
    case "FALLBACK":
      return { order: route.destinations.map((d) => d.name) };
    case "LEAST_COST": {
      if (figures === undefined) return { order: route.destinations.map((d) => d.name) };
      const order = sorted(route, (name) => expectedCost(name, figures));
      return { order, figure: expectedCost(order[0] as string, figures) };
    }
    case "LEAST_LATENCY": {
      if (figures === undefined) return { order: route.destinations.map((d) => d.name) };
      const order = sorted(route, (name) => figures.latencyOf(name) ?? -1);
      if (order.length > 1 && random() < route.latency.explore) {
        const others = order.slice(1);
        const pick = others[Math.floor(random() * others.length)] as string;
        return {
          order: [pick, ...order.filter((name) => name !== pick)],
          figure: figures.latencyOf(pick),
          explored: true,
        };
      }
      return { order, figure: figures.latencyOf(order[0] as string) };
    }
    default: {
      const picked = pickWeighted(route.destinations, random);
      return { order: picked ? [picked.name] : [] };
    }
  }
}

/** The order of `chooseDestinations`, for the strategies that need no figures. */
export function destinationOrder(route: LoadedRoute, random: () => number = Math.random): string[] {
  return chooseDestinations(route, random).order;
}

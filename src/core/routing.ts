/** Choosing destinations for a route: weighted traffic split or ordered fallback. */
import type { LoadedRoute } from "../config/load.ts";

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

/**
 * The endpoint names to try, in order: TRAFFIC_SPLIT tries the one it picked, FALLBACK tries
 * every destination in the configured order.
 */
export function destinationOrder(route: LoadedRoute, random: () => number = Math.random): string[] {
  if (route.strategy === "FALLBACK") return route.destinations.map((d) => d.name);
  const picked = pickWeighted(route.destinations, random);
  return picked ? [picked.name] : [];
}

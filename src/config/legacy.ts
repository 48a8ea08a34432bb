/**
 * MLflow 2.x layouts: a top-level `routes:` list that holds endpoints, and `route_type` inside
 * an endpoint. Both load, with a warning saying how to rewrite the file.
 */
import type { Problem } from "./problems.ts";
import { isRecord } from "../core/records.ts";

export interface Normalised {
  data: unknown;
  /** Maps a path of the normalised data back to the path in the file. */
  rewrite: (path: readonly PropertyKey[]) => readonly PropertyKey[];
  /** Deprecation warnings, each with the (normalised) path it is about. */
  warnings: { path: PropertyKey[]; problem: Omit<Problem, "line" | "col"> }[];
}

/** Whether a `routes:` entry is a 2.x endpoint rather than a traffic route. */
function looksLikeEndpoint(item: unknown): boolean {
  return isRecord(item) && ("model" in item || "route_type" in item) && !("destinations" in item);
}

function usesRouteType(item: unknown): boolean {
  return isRecord(item) && "route_type" in item && !("endpoint_type" in item);
}

/** Rewrites 2.x layouts into the current one and explains how to update the file. */
export function normaliseLegacy(data: unknown): Normalised {
  if (!isRecord(data)) return { data, rewrite: (p) => p, warnings: [] };
  const warnings: Normalised["warnings"] = [];
  const legacyRoutes = !("endpoints" in data) && Array.isArray(data.routes) &&
    data.routes.length > 0 && data.routes.every(looksLikeEndpoint);
  const fileEndpoints: unknown[] = legacyRoutes
    ? data.routes as unknown[]
    : Array.isArray(data.endpoints)
    ? data.endpoints
    : [];
  const { routes: _routes, ...rest } = data;
  const top: Record<string, unknown> = legacyRoutes ? { endpoints: data.routes, ...rest } : data;
  if (legacyRoutes) {
    warnings.push({
      path: ["endpoints"],
      problem: {
        severity: "warning",
        path: "routes",
        message: "this is the MLflow 2.x layout, where 'routes:' lists endpoints (deprecated)",
        hint:
          "rename the top-level 'routes:' to 'endpoints:' and each 'route_type:' to 'endpoint_type:'",
      },
    });
  }
  if (fileEndpoints.some(usesRouteType)) {
    top.endpoints = fileEndpoints.map((item, i) => {
      if (!usesRouteType(item)) return item;
      const { route_type, ...fields } = item as Record<string, unknown>;
      if (!legacyRoutes) {
        warnings.push({
          path: ["endpoints", i, "endpoint_type"],
          problem: {
            severity: "warning",
            path: `endpoints[${i}].route_type`,
            message: "'route_type' is the MLflow 2.x name of this key (deprecated)",
            hint: "rename it to 'endpoint_type'",
          },
        });
      }
      return { ...fields, endpoint_type: route_type };
    });
  }
  const rewrite = (path: readonly PropertyKey[]): readonly PropertyKey[] => {
    if (path[0] !== "endpoints") return path;
    const out = [...path];
    if (legacyRoutes) out[0] = "routes";
    const index = path[1];
    if (
      typeof index === "number" && path[2] === "endpoint_type" &&
      usesRouteType(fileEndpoints[index])
    ) {
      out[2] = "route_type";
    }
    return out;
  };
  return { data: top, rewrite, warnings };
}

/** The banner `gateway start` prints once it listens. */
import type { LoadedConfig } from "../config/load.ts";
import { VERSION } from "../version.ts";
import { print } from "./output.ts";
import { endpointsTable, routesTable } from "./tables.ts";
import { endpointInfo, trafficRouteInfo } from "../api/listing.ts";

/** The banner: URL, endpoints, routes, the docs link and the dashboard's. */
export function printBanner(url: string, config: LoadedConfig, workers: number): void {
  const across = workers > 1 ? ` with ${workers} workers` : "";
  print(`Gateway ${VERSION} listening on ${url}${across} (config: ${config.source})`);
  print("");
  print(endpointsTable(config.endpoints.map(endpointInfo), { limits: false }));
  if (config.routes.length > 0) {
    print("");
    print(routesTable(config.routes.map(trafficRouteInfo)));
  }
  print("");
  print(`API reference: ${url}/docs   OpenAI base URL: ${url}/v1`);
  if (config.server.ui) print(`Dashboard: ${url}/ui`);
}

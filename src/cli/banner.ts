/** The banner `gateway start` prints once it listens. */
import type { LoadedConfig } from "../config/load.ts";
import { VERSION } from "../version.ts";
import { print, table } from "./output.ts";

/** The banner: URL, endpoints, routes and the docs link. */
export function printBanner(url: string, config: LoadedConfig, workers: number): void {
  const across = workers > 1 ? ` with ${workers} workers` : "";
  print(`Gateway ${VERSION} listening on ${url}${across} (config: ${config.source})`);
  print("");
  print(table(
    ["ENDPOINT", "TYPE", "PROVIDER", "MODEL"],
    config.endpoints.map((e) => [e.name, e.type, e.providerLabel, e.model ?? "-"]),
  ));
  if (config.routes.length > 0) {
    print("");
    print(table(
      ["ROUTE", "TYPE", "STRATEGY", "DESTINATIONS"],
      config.routes.map((r) => [
        r.name,
        r.type,
        r.strategy,
        r.destinations.map((d) => (d.weight === null ? d.name : `${d.name} ${d.weight}%`)).join(
          ", ",
        ),
      ]),
    ));
  }
  print("");
  print(`API reference: ${url}/docs   OpenAI base URL: ${url}/v1`);
}

/** `gateway endpoints`: lists endpoints and routes of a running gateway or of a config file. */
import process from "node:process";
import { parse } from "./args.ts";
import { print, printError, table, UsageError } from "./output.ts";
import { endpointsTable, routesTable } from "./tables.ts";
import { ClientError, gatewayUrl, getJson } from "./client.ts";
import { ConfigFileError, loadConfigFile } from "../config/load.ts";
import { formatProblem } from "../config/problems.ts";
import type { EndpointInfo, TrafficRouteInfo } from "../schemas/endpoints.ts";
import { endpointInfo, trafficRouteInfo } from "../api/listing.ts";

export const ENDPOINTS_HELP = `Usage: gateway endpoints [--url U | --config-path F] [--json]

Lists endpoints (name, type, provider, model, limit) and routes (with their destinations), from
a running gateway (default $GATEWAY_URL or http://127.0.0.1:5000) or from a config file.

Options:
  --url U            ask a running gateway
  --config-path F    read a config file instead (no gateway needed)
  --json             print JSON instead of tables

Exit codes: 0 on success, 1 when the gateway cannot be reached or the config is invalid.`;

interface Page {
  endpoints?: EndpointInfo[];
  routes?: TrafficRouteInfo[];
  /** Null (MLflow's way) or absent (older gateways) on the last page. */
  next_page_token?: string | null;
}

interface Listing {
  endpoints: EndpointInfo[];
  routes: TrafficRouteInfo[];
}

async function fetchListing(base: string): Promise<Listing> {
  const endpoints: EndpointInfo[] = [];
  let token: string | undefined;
  do {
    const page: Page = await getJson<Page>(
      base,
      `/api/2.0/endpoints/${token ? `?page_token=${encodeURIComponent(token)}` : ""}`,
    );
    endpoints.push(...(page.endpoints ?? []));
    token = page.next_page_token ?? undefined;
  } while (token);
  const routes: TrafficRouteInfo[] = [];
  token = undefined;
  do {
    const page: Page = await getJson<Page>(
      base,
      `/api/3.0/gateway/routes/${token ? `?page_token=${encodeURIComponent(token)}` : ""}`,
    );
    routes.push(...(page.routes ?? []));
    token = page.next_page_token ?? undefined;
  } while (token);
  return { endpoints, routes };
}

async function readListing(path: string): Promise<Listing> {
  const result = await loadConfigFile(path, {
    env: process.env,
    missingEnv: "warning",
    mode: "validate",
  });
  if (!result.config) {
    const errors = result.problems.filter((p) => p.severity === "error").map((p) =>
      formatProblem(path, p)
    );
    throw new ClientError(`the config is invalid:\n${errors.join("\n")}`);
  }
  return {
    endpoints: result.config.endpoints.map(endpointInfo),
    routes: result.config.routes.map(trafficRouteInfo),
  };
}

/** What a running gateway measured for a route's destinations (from /health/details). */
interface RouteFigures {
  name: string;
  routing_strategy: string;
  destinations: {
    name: string;
    picked: number;
    price: { input: number; output: number } | null;
    latency_ms: { answer: number | null; stream: number | null };
  }[];
}

/** The routes that choose by cost or latency, with their figures (none when not available). */
async function fetchFigures(base: string): Promise<RouteFigures[]> {
  try {
    const details = await getJson<{ routes?: RouteFigures[] }>(base, "/health/details");
    return (details.routes ?? []).filter((r) => r.routing_strategy.startsWith("LEAST_"));
  } catch {
    return [];
  }
}

function figuresTable(routes: readonly RouteFigures[]): string {
  const ms = (value: number | null) => (value === null ? "-" : String(value));
  return table(
    ["ROUTE", "DESTINATION", "PICKED", "PRICE IN/OUT (USD/M)", "LATENCY MS (ANSWER/STREAM)"],
    routes.flatMap((route) =>
      route.destinations.map((d) => [
        route.name,
        d.name,
        String(d.picked),
        d.price === null ? "-" : `${d.price.input} / ${d.price.output}`,
        `${ms(d.latency_ms.answer)} / ${ms(d.latency_ms.stream)}`,
      ])
    ),
  );
}

export async function endpointsCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    url: { type: "string" },
    "config-path": { type: "string" },
    json: { type: "boolean", default: false },
  }, { min: 0, max: 0 });
  if (values.url !== undefined && values["config-path"] !== undefined) {
    throw new UsageError("give either --url or --config-path, not both");
  }
  let listing: Listing;
  let figures: RouteFigures[] = [];
  try {
    if (values["config-path"] !== undefined) {
      listing = await readListing(values["config-path"]);
    } else {
      listing = await fetchListing(gatewayUrl(values.url));
      figures = await fetchFigures(gatewayUrl(values.url));
    }
  } catch (error) {
    if (error instanceof ClientError || error instanceof ConfigFileError) {
      printError(`gateway endpoints: ${error.message}`);
      return 1;
    }
    throw error;
  }
  if (values.json) {
    print(
      JSON.stringify(
        figures.length > 0 ? { ...listing, route_figures: figures } : listing,
        null,
        2,
      ),
    );
    return 0;
  }
  print(endpointsTable(listing.endpoints, { limits: true }));
  if (listing.routes.length > 0) {
    print("");
    print(routesTable(listing.routes));
  }
  if (figures.length > 0) {
    print("");
    print(figuresTable(figures));
  }
  return 0;
}

/**
 * `gateway keys create|list|revoke`: client keys created at run time, through a running
 * gateway's admin API (--url) or straight in the store a config names (--config-path).
 */
import process from "node:process";
import { parse } from "./args.ts";
import { print, printError, table, UsageError } from "./output.ts";
import { call, ClientError, gatewayUrl, getJson } from "./client.ts";
import { ConfigFileError, loadConfigFile, type LoadedConfig } from "../config/load.ts";
import { formatProblem } from "../config/problems.ts";
import { openStore } from "../core/gateway.ts";
import { StoreError, type UsageStore } from "../store/usage_store.ts";
import {
  checkNewKey,
  createStoredKey,
  type KeyInfo,
  listKeys,
  type NewKey,
  parseBudget,
} from "../auth/key_admin.ts";
import { GatewayError } from "../core/errors.ts";

export const KEYS_HELP =
  `Usage: gateway keys create NAME [--endpoints a,b] [--budget 50/month] [where]
       gateway keys list [where] [--json]
       gateway keys revoke NAME [where]

Client keys made at run time (server.auth must be on for the gateway to ask for keys). A new
key's secret is printed once; only its SHA-256 is kept.

Where:
  --url U            a running gateway's admin API (default $GATEWAY_URL or
                     http://127.0.0.1:5000), with an admin key:
  --api-key K        the admin key for --url (default $GATEWAY_API_KEY)
  --config-path F    the store the config names (server.store: sqlite:PATH), no gateway needed

Options:
  --endpoints a,b    the endpoints and routes the key may call (default all)
  --budget B         USD per period: 50/month, 5/day, 1/hour, 20/week
  --json             print JSON

Exit codes: 0 on success, 1 when refused or unreachable, 2 on bad options.`;

interface Where {
  url: string | undefined;
  config: string | undefined;
  apiKey: string | undefined;
}

/** The store a config names, opened directly. */
async function storeOf(path: string): Promise<{ store: UsageStore; config: LoadedConfig }> {
  // The keys' own secrets are not needed here: a variable that is not set is no error.
  const { config, problems } = await loadConfigFile(path, {
    mode: "validate",
    env: process.env,
    missingEnv: "warning",
  });
  if (config === undefined) {
    throw new ClientError(
      `the config is invalid:\n${problems.map((p) => formatProblem(path, p)).join("\n")}`,
    );
  }
  if (config.server.store === "memory") {
    throw new ClientError(
      "the config's store is 'memory' (inside the running gateway): use --url instead",
    );
  }
  return { store: await openStore(config.server.store), config };
}

function keysTable(keys: readonly (KeyInfo & { spent_usd?: number | null })[]): string {
  return table(
    ["KEY", "SOURCE", "ENDPOINTS", "BUDGET", "SPENT", "CREATED", "STATE"],
    keys.map((key) => [
      key.name + (key.admin ? " (admin)" : ""),
      key.source,
      key.endpoints?.join(",") ?? "all",
      key.budget ? `$${key.budget.usd}/${key.budget.period}` : "-",
      key.spent_usd === undefined || key.spent_usd === null ? "-" : `$${key.spent_usd}`,
      key.created_at?.slice(0, 19).replace("T", " ") ?? "-",
      key.revoked_at === null ? "active" : "revoked",
    ]),
  );
}

async function create(name: string, values: Record<string, unknown>, where: Where) {
  const key: NewKey = {
    name,
    endpoints: typeof values.endpoints === "string"
      ? values.endpoints.split(",").map((e) => e.trim()).filter((e) => e !== "")
      : null,
    budget: typeof values.budget === "string" ? parseBudget(values.budget) : null,
  };
  if (where.config !== undefined) {
    const { store, config } = await storeOf(where.config);
    try {
      checkNewKey(
        key,
        config.auth?.keys ?? [],
        new Set([...config.endpoints, ...config.routes].map((e) => e.name)),
      );
      return { ...key, key: await createStoredKey(store, key) };
    } finally {
      await store.close();
    }
  }
  const response = await call(gatewayUrl(where.url), "/api/2.0/gateway/keys", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(key),
  }, where.apiKey);
  return await response.json() as NewKey & { key: string };
}

async function list(where: Where): Promise<KeyInfo[]> {
  if (where.config !== undefined) {
    const { store, config } = await storeOf(where.config);
    try {
      return await listKeys(config.auth?.keys ?? [], store);
    } finally {
      await store.close();
    }
  }
  return (await getJson<{ keys: KeyInfo[] }>(
    gatewayUrl(where.url),
    "/api/2.0/gateway/keys",
    where.apiKey,
  )).keys;
}

async function revoke(name: string, where: Where): Promise<void> {
  if (where.config !== undefined) {
    const { store } = await storeOf(where.config);
    try {
      if (!(await store.revokeKey(name, Date.now()))) {
        throw new ClientError(`no active key named '${name}'`);
      }
    } finally {
      await store.close();
    }
    return;
  }
  await call(gatewayUrl(where.url), `/api/2.0/gateway/keys/${encodeURIComponent(name)}`, {
    method: "DELETE",
  }, where.apiKey);
}

export async function keysCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    url: { type: "string" },
    "config-path": { type: "string" },
    "api-key": { type: "string" },
    endpoints: { type: "string" },
    budget: { type: "string" },
    json: { type: "boolean", default: false },
  }, { min: 1, max: 2 });
  const [action, name] = positionals as [string, string | undefined];
  if (values.url !== undefined && values["config-path"] !== undefined) {
    throw new UsageError("give --url or --config-path, not both");
  }
  const where: Where = {
    url: values.url,
    config: values["config-path"],
    apiKey: values["api-key"],
  };
  const needsName = action === "create" || action === "revoke";
  if (!["create", "list", "revoke"].includes(action)) {
    throw new UsageError(`unknown action '${action}': create, list or revoke`);
  }
  if (needsName && name === undefined) throw new UsageError(`keys ${action} needs a NAME`);
  if (!needsName && name !== undefined) throw new UsageError(`unexpected argument '${name}'`);
  try {
    if (action === "create") {
      const created = await create(name as string, values, where);
      if (values.json) print(JSON.stringify(created, null, 2));
      else {
        print(`created key '${created.name}'; its secret (shown only now):`);
        print(created.key);
      }
    } else if (action === "list") {
      const keys = await list(where);
      print(values.json ? JSON.stringify(keys, null, 2) : keysTable(keys));
    } else {
      await revoke(name as string, where);
      print(`revoked key '${name}'`);
    }
    return 0;
  } catch (error) {
    if (
      error instanceof ClientError || error instanceof StoreError ||
      error instanceof ConfigFileError || error instanceof GatewayError
    ) {
      printError(`gateway keys: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

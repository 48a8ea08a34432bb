/** `gateway start`: loads the config (or the built-in demo), serves the HTTP API until a signal. */
import process from "node:process";
import { Buffer } from "node:buffer";
import { numberOption, parse } from "./args.ts";
import { print, printError, UsageError } from "./output.ts";
import { ConfigFileError, type LoadedConfig, readConfigFile } from "../config/load.ts";
import {
  checkConfigText,
  createReloader,
  type ReloadTarget,
  watchReloads,
} from "../config/watch.ts";
import { DEMO_CONFIG_NAME, DEMO_CONFIG_YAML } from "../config/demo.ts";
import { Gateway, openStore } from "../core/gateway.ts";
import { type LogFormat, Logger, type LogLevel } from "../observe/logs.ts";
import { createHandler } from "../api/pipeline.ts";
import { BindError, cpuCount, exit, onSignal, watchFile } from "../runtime/mod.ts";
import { claimPort, PortTakenError, superviseWorkers, WORKER_READY } from "./workers.ts";
import { Listener } from "./listener.ts";
import { printBanner } from "./banner.ts";
import { GatewayError } from "../core/errors.ts";
import { sleep } from "../core/retry.ts";
import { VERSION } from "../version.ts";
import { readFile } from "node:fs/promises";
import { StoreError } from "../store/usage_store.ts";
import { createAuthenticator } from "../auth/authenticate.ts";
import { SharedMetrics } from "../observe/shared_metrics.ts";
import { narrowPermissions } from "../runtime/permissions.ts";
import { loadConfigProviders } from "../providers/registry.ts";

export const START_HELP = `Usage: gateway start [--config-path F] [--host H] [--port P] [options]

Serves the gateway's HTTP API. Without --config-path (or $MLFLOW_GATEWAY_CONFIG) it serves the
built-in demo config: endpoints 'chat', 'completions', 'embeddings' and 'chat-fixed' on the
offline 'mock' provider, and the route 'chat-split'.

Options:
  --config-path F    the config file (MLflow AI Gateway YAML)
  --host H           address to listen on (default 127.0.0.1)
  --port P           port to listen on (default 5000; 0 picks a free one)
  --log-level L      debug, info (default), warn or error
  --log-format F     text (default) or json
  --workers N        serve the port from N processes (SO_REUSEPORT); 'auto' = one per core.
                     In-memory rate limits are then per worker; server.redis_url makes them exact.
  --no-watch         reload the config only on SIGHUP, not when its file changes
  --tls-cert F       serve HTTPS with this certificate chain (PEM; or server.tls.cert)
  --tls-key F        ... and this private key (PEM; or server.tls.key)

Exit codes: 0 after a clean shutdown (SIGINT/SIGTERM), 1 on a bad config, a missing
environment variable or a port in use.`;

const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];
const LOG_FORMATS: readonly LogFormat[] = ["text", "json"];

async function loadForStart(
  path: string | undefined,
  handedOver: boolean,
): Promise<{ config?: LoadedConfig; text: string; report: string[] }> {
  // A worker starts on the config its supervisor hands over on stdin (the last good one), so a
  // worker restarted while a bad file is on disk still serves.
  const text = handedOver
    ? await readStdin()
    : path === undefined
    ? DEMO_CONFIG_YAML
    : await readConfigFile(path);
  // The same check a reload makes, so start and reload accept and refuse the same files.
  const check = checkConfigText(text, path ?? DEMO_CONFIG_NAME, process.env);
  return check.ok
    ? { config: check.config, text, report: check.warnings }
    : { text, report: check.problems };
}

interface StartOptions {
  host: string;
  port: number;
  workers: number;
  /** Set in worker processes started by a supervisor (`--workers N`). */
  worker: boolean;
  configPath: string | undefined;
  level: LogLevel;
  format: LogFormat;
  watch: boolean;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
}

function parseStartOptions(argv: string[]): StartOptions {
  const { values } = parse(argv, {
    "config-path": { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "5000" },
    workers: { type: "string", default: "1" },
    worker: { type: "boolean", default: false },
    "log-level": { type: "string", default: process.env.GATEWAY_LOG_LEVEL ?? "info" },
    "log-format": { type: "string", default: process.env.GATEWAY_LOG_FORMAT ?? "text" },
    "no-watch": { type: "boolean", default: false },
    "tls-cert": { type: "string" },
    "tls-key": { type: "string" },
  }, { min: 0, max: 0 });
  if ((values["tls-cert"] === undefined) !== (values["tls-key"] === undefined)) {
    throw new UsageError("--tls-cert and --tls-key go together");
  }
  const port =
    numberOption("port", values.port, (n) => Number.isInteger(n) && n >= 0 && n <= 65535) ?? 5000;
  const workers = values.workers === "auto"
    ? cpuCount()
    : numberOption("workers", values.workers, (n) => Number.isInteger(n) && n >= 1 && n <= 256) ??
      1;
  const level = values["log-level"] as LogLevel;
  if (!LEVELS.includes(level)) {
    throw new UsageError(`--log-level must be one of ${LEVELS.join(", ")}`);
  }
  const format = values["log-format"] as LogFormat;
  if (!LOG_FORMATS.includes(format)) {
    throw new UsageError(`--log-format must be one of ${LOG_FORMATS.join(", ")}`);
  }
  return {
    host: values.host,
    port,
    workers,
    worker: values.worker,
    configPath: values["config-path"] ?? (process.env.MLFLOW_GATEWAY_CONFIG || undefined),
    level,
    format,
    watch: !values["no-watch"],
    tlsCert: values["tls-cert"],
    tlsKey: values["tls-key"],
  };
}

export async function startCommand(argv: string[]): Promise<number> {
  const options = parseStartOptions(argv);
  let loaded;
  try {
    loaded = await loadForStart(options.configPath, options.worker);
  } catch (error) {
    if (error instanceof ConfigFileError) {
      printError(`gateway start: ${error.message}`);
      return 1;
    }
    throw error;
  }
  // Workers report problems through their supervisor, which already printed them.
  if (!options.worker) { for (const line of loaded.report) printError(line); }
  if (!loaded.config) {
    printError(
      `gateway start: the config is invalid; fix the errors above (gateway validate ${
        options.configPath ?? ""
      } checks it offline)`,
    );
    return 1;
  }
  if (options.workers > 1 && !options.worker) {
    return await superviseWorkers(argv, {
      host: options.host,
      port: options.port,
      count: options.workers,
      config: loaded.config,
      configText: loaded.text,
      configPath: options.configPath,
      watch: options.watch,
    });
  }
  return await serveGateway(options, loaded.config, loaded.text);
}

/** Serves the API in this process until SIGINT/SIGTERM, then drains it. */
async function serveGateway(
  options: StartOptions,
  config: LoadedConfig,
  configText: string,
): Promise<number> {
  const logger = new Logger({ level: options.level, format: options.format });
  let gateway: Gateway;
  let tls: { cert: string; key: string } | undefined;
  try {
    tls = await readTls(options, config);
    await loadConfigProviders(config);
    const store = await openStore(config.server.store, { logger });
    gateway = new Gateway(config, { logger, env: process.env, store });
  } catch (error) {
    if (error instanceof StoreError || error instanceof TlsFileError) {
      printError(`gateway start: ${error.message}`);
      return 1;
    }
    throw error;
  }
  // Under Deno, what this config will never need is given up before a request is served: file
  // writes unless it keeps a SQLite store or an audit file (a worker writes its metrics), and
  // starting processes (only a `--workers` supervisor does, and it does not get here).
  const givenUp = narrowPermissions({ write: options.worker || writesFiles(config), run: false });
  if (givenUp.length > 0) logger.debug("permissions given up", { permissions: givenUp.join(",") });
  const { authenticate, ring } = createAuthenticator(gateway);
  // A worker's /metrics adds up every worker's counts (see shared_metrics.ts).
  const metricsDir = options.worker ? process.env.GATEWAY_METRICS_DIR : undefined;
  const shared = metricsDir ? new SharedMetrics(metricsDir, gateway.metrics) : undefined;
  shared?.start();
  const handler = createHandler({
    gateway,
    version: VERSION,
    authenticate,
    keys: ring,
    ...(shared ? { metrics: () => shared.render() } : {}),
  });
  let server: Listener;
  try {
    // With TLS the certificate may be renewed by a second listener on the port (SO_REUSEPORT),
    // so the port is first claimed alone, to refuse one that another process holds.
    const port = tls && !options.worker
      ? await claimPort(options.host, options.port)
      : options.port;
    server = await Listener.open({
      hostname: options.host,
      port,
      reusePort: options.worker || tls !== undefined,
      handler,
      tls,
    });
  } catch (error) {
    await gateway.close();
    if (error instanceof BindError || error instanceof PortTakenError) {
      printError(`gateway start: ${error.message}`);
      return 1;
    }
    throw error;
  }
  if (config.auth === undefined && !isLoopback(options.host) && !options.worker) {
    logger.warn(
      "listening on a non-loopback address without authentication: anyone who can reach it " +
        "spends the provider keys; set server.auth in the config",
      { host: options.host },
    );
  }

  // The signal handlers go in before anything says the server is up: a SIGINT sent as soon as
  // the banner appears must stop it (one sent earlier ends the process the default way).
  let stopWatching = () => {};
  let stopWatchingTls = () => {};
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) {
        logger.warn("second signal: exiting without waiting", { signal });
        exit(130);
      }
      stopping = true;
      stopWatching();
      stopWatchingTls();
      const graceSeconds = gateway.snapshot.config.server.shutdown_grace_seconds;
      logger.info("shutting down: no new connections; finishing requests in flight", {
        signal,
        grace_seconds: graceSeconds,
      });
      const drained = server.shutdown().then(() => true, () => true);
      const finished = await Promise.race([drained, sleep(graceSeconds * 1000).then(() => false)]);
      if (!finished) {
        const streams = gateway.abortStreams(
          new GatewayError(
            503,
            "service_unavailable",
            "the gateway is shutting down; the stream was cut before it finished",
          ),
        );
        logger.warn("grace period over: ending the streams still open", { streams });
        await Promise.race([drained, sleep(2000)]);
      }
      await gateway.close();
      shared?.stop();
      logger.info("stopped");
      resolve(0);
    };
    onSignal("SIGINT", () => void stop("SIGINT"));
    onSignal("SIGTERM", () => void stop("SIGTERM"));
  });

  // The certificate and key are read again with each config reload, on SIGHUP and when either
  // file changes (a renewal by certbot or cert-manager); a changed pair is served anew.
  const renewTls = async () => {
    if (tls === undefined) return;
    try {
      const renewed = await readTls(options, gateway.snapshot.config);
      if (renewed !== undefined) await server.renew(renewed, logger);
    } catch (error) {
      logger.error("the TLS files could not be read again; still serving the old ones", {
        error: (error as Error).message,
      });
    }
  };
  stopWatchingTls = tlsWatch(options, config, renewTls, options.watch);

  if (options.configPath !== undefined) {
    const reloader = createReloader(
      options.configPath,
      gatewayTarget(gateway, () => renewTls(), givenUp.includes("write")),
      () => process.env,
      configText,
    );
    stopWatching = watchReloads(options.configPath, reloader, options.watch);
    // A worker may have started on a handed-over config older than the file: catch up now.
    if (options.worker) void reloader.reload("worker start");
  }

  if (options.worker) {
    print(WORKER_READY);
  } else {
    const host = server.hostname.includes(":") ? `[${server.hostname}]` : server.hostname;
    printBanner(`${tls ? "https" : "http"}://${host}:${server.port}`, config, 1);
    logger.info("ready", { startup_ms: Math.round(performance.now()) });
  }
  return await stopped;
}

/** A certificate or key file that cannot be read. */
class TlsFileError extends Error {}

/** The PEM text of the certificate and key (flags first, then `server.tls`), if HTTPS is asked. */
async function readTls(
  options: StartOptions,
  config: LoadedConfig,
): Promise<{ cert: string; key: string } | undefined> {
  const certPath = options.tlsCert ?? config.server.tls?.cert;
  const keyPath = options.tlsKey ?? config.server.tls?.key;
  if (certPath === undefined || keyPath === undefined) return undefined;
  const read = async (path: string, what: string) => {
    try {
      return await readFile(path, "utf8");
    } catch (error) {
      throw new TlsFileError(`cannot read the TLS ${what} '${path}': ${(error as Error).message}`);
    }
  };
  return { cert: await read(certPath, "certificate"), key: await read(keyPath, "key") };
}

/** Watches the TLS files (unless `--no-watch`) and listens for SIGHUP; returns the undo. */
function tlsWatch(
  options: StartOptions,
  config: LoadedConfig,
  renew: () => Promise<void>,
  watch: boolean,
): () => void {
  const paths = [
    options.tlsCert ?? config.server.tls?.cert,
    options.tlsKey ?? config.server.tls?.key,
  ]
    .filter((path): path is string => path !== undefined);
  if (paths.length < 2) return () => {};
  const stops = [
    onSignal("SIGHUP", () => void renew()),
    ...(watch ? paths.map((path) => watchFile(path, () => void renew())) : []),
  ];
  return () => stops.forEach((stop) => stop());
}

/** Whether a listen address is reachable only from this machine. */
function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || host.startsWith("127.");
}

/** Whether this config makes the gateway write files: a SQLite store or an audit log file. */
function writesFiles(config: LoadedConfig): boolean {
  return config.server.store.startsWith("sqlite:") || config.server.audit?.path !== undefined;
}

/**
 * Reloads go into the serving gateway (and `then`, e.g. the TLS files read again); one that
 * adds an audit file is refused when this process gave file writes up at start.
 */
function gatewayTarget(
  gateway: Gateway,
  then: (config: LoadedConfig) => Promise<void> = () => Promise.resolve(),
  writesGivenUp = false,
): ReloadTarget {
  return {
    logger: gateway.logger,
    apply: async (config) => {
      // (A changed server.store waits for a restart anyway.)
      if (writesGivenUp && config.server.audit?.path !== undefined) {
        throw new Error(
          "server.audit.path asks for a file, and this process gave up file writes at start " +
            "because its config wrote none; restart the gateway to start the audit file",
        );
      }
      await loadConfigProviders(config);
      const snapshot = gateway.reload(config);
      void then(config);
      return {
        version: snapshot.version,
        endpoints: snapshot.endpoints.size,
        routes: snapshot.routes.size,
      };
    },
  };
}

/** All of standard input as text (a worker's handed-over config). */
async function readStdin(): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Uint8Array);
  return Buffer.concat(chunks).toString("utf8");
}

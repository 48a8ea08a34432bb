/**
 * Hot reload: re-reads the config file when it changes (or on SIGHUP). A valid new config is
 * swapped in at once; anything else (an unreadable file, invalid YAML, an alias bomb, a missing
 * env var, a failure while applying it) is rejected with the same file:line:col report as
 * `validate`, and the old config keeps serving. Nothing here throws.
 */
import { readFile } from "node:fs/promises";
import { loadConfigText, type LoadedConfig } from "./load.ts";
import { formatProblem, sortProblems } from "./problems.ts";
import type { Env } from "./secrets.ts";
import type { Logger } from "../observe/logs.ts";
import { onSignal, watchFile } from "../runtime/mod.ts";

/** What reading and checking the config file gave: a config to serve, or why not. */
export type ConfigCheck =
  | { ok: true; text: string; config: LoadedConfig; warnings: string[] }
  | { ok: false; text: string | undefined; why: string; problems: string[] };

/**
 * Reads `path` and checks it as `start` does (missing env vars are errors). Never throws, so a
 * bad save of the file can only be rejected, never crash the process that reloads it.
 */
export async function checkConfigFile(path: string, env: Env): Promise<ConfigCheck> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    return {
      ok: false,
      text: undefined,
      why: "the file cannot be read",
      problems: [
        (error as Error).message,
      ],
    };
  }
  return checkConfigText(text, path, env);
}

/** Checks config text (see `checkConfigFile`). */
export function checkConfigText(text: string, path: string, env: Env): ConfigCheck {
  const result = loadConfigText(text, path, { env, missingEnv: "error" });
  const report = sortProblems(result.problems).map((p) => formatProblem(path, p));
  return result.config
    ? { ok: true, text, config: result.config, warnings: report }
    : { ok: false, text, why: "the config is invalid", problems: report };
}

/** Where a checked config goes: the serving gateway, or a supervisor keeping the last good one. */
export interface ReloadTarget {
  logger: Logger;
  /** Applies a checked config; returns fields for the "config reloaded" log line. */
  apply(
    config: LoadedConfig,
    text: string,
  ): Record<string, unknown> | Promise<Record<string, unknown>>;
}

export interface Reloader {
  /** Reloads now if the file's content changed; resolves to whether a new config was applied. */
  reload(trigger: string): Promise<boolean>;
}

/** Reloads `path` into `target`; `initialText` is the content already being served. */
export function createReloader(
  path: string,
  target: ReloadTarget,
  env: () => Env,
  initialText: string,
): Reloader {
  let current = initialText;
  let running: Promise<boolean> = Promise.resolve(false);
  const logger = target.logger;

  const reloadOnce = async (trigger: string): Promise<boolean> => {
    const check = await checkConfigFile(path, env());
    if (check.text === current) return false;
    if (!check.ok) {
      logger.error(`config reload rejected: ${check.why}; still serving the previous config`, {
        trigger,
        file: path,
        problems: check.problems,
      });
      return false;
    }
    let applied: Record<string, unknown>;
    try {
      applied = await target.apply(check.config, check.text);
    } catch (error) {
      logger.error("config reload failed while applying it; still serving the previous config", {
        trigger,
        file: path,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
      return false;
    }
    current = check.text;
    logger.info("config reloaded", {
      trigger,
      file: path,
      ...applied,
      ...(check.warnings.length > 0 ? { warnings: check.warnings } : {}),
    });
    return true;
  };

  return {
    // One reload at a time, in order: a burst of file events never interleaves two loads.
    reload(trigger) {
      running = running.then(() => reloadOnce(trigger), () => reloadOnce(trigger));
      return running;
    },
  };
}

/** Runs `reloader` when the file changes or on SIGHUP; returns a function that stops it. */
export function watchReloads(path: string, reloader: Reloader, watch: boolean): () => void {
  const stopWatch = watch ? watchFile(path, () => void reloader.reload("file change")) : () => {};
  const stopSignal = onSignal("SIGHUP", () => void reloader.reload("SIGHUP"));
  return () => {
    stopWatch();
    stopSignal();
  };
}

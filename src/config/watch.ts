/**
 * Hot reload: re-reads the config file when it changes (or on SIGHUP). A valid new config is
 * swapped in at once; an invalid one (including a missing env var) is rejected with the same
 * file:line:col report as `validate`, and the old config keeps serving.
 */
import { readFile } from "node:fs/promises";
import { loadConfigText } from "./load.ts";
import { formatProblem, sortProblems } from "./problems.ts";
import type { Env } from "./secrets.ts";
import type { Gateway } from "../core/gateway.ts";

export interface Reloader {
  /** Reloads now if the file's content changed; resolves to whether a new config was applied. */
  reload(trigger: string): Promise<boolean>;
}

/** Reloads `path` into `gateway`; `initialText` is the content already being served. */
export function createReloader(
  path: string,
  gateway: Gateway,
  env: () => Env,
  initialText: string,
): Reloader {
  let current = initialText;
  let running: Promise<boolean> = Promise.resolve(false);
  const logger = gateway.logger;

  const reloadOnce = async (trigger: string): Promise<boolean> => {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      logger.error(
        "config reload skipped: the file cannot be read; still serving the previous config",
        {
          trigger,
          file: path,
          error: (error as Error).message,
        },
      );
      return false;
    }
    if (text === current) return false;
    const result = loadConfigText(text, path, { env: env(), missingEnv: "error" });
    const report = sortProblems(result.problems).map((p) => formatProblem(path, p));
    if (!result.config) {
      logger.error("config reload rejected; still serving the previous config", {
        trigger,
        file: path,
        problems: report,
      });
      return false;
    }
    current = text;
    const snapshot = gateway.reload(result.config);
    logger.info("config reloaded", {
      trigger,
      file: path,
      version: snapshot.version,
      endpoints: snapshot.endpoints.size,
      routes: snapshot.routes.size,
      ...(report.length > 0 ? { warnings: report } : {}),
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

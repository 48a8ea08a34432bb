/**
 * Follows a file through symlinks for the config watcher: which directories to watch and when an
 * event there means the file changed. Runtime-neutral (node: built-ins only); the directory
 * watchers themselves come from `mod.ts`, which picks Deno's or Node's API.
 */
import { realpathSync, statSync } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { dirname, resolve as resolvePath } from "node:path";

/**
 * Watches one directory (not recursively) and calls `onEvent` with the absolute paths an event
 * names, or null when the platform does not say. Returns a function that stops it, or undefined
 * when the directory cannot be watched; never throws.
 */
export type WatchDirectory = (
  dir: string,
  onEvent: (paths: readonly string[] | null) => void,
) => (() => void) | undefined;

/** How long `followFile` waits; every field has a default. */
export interface FollowTiming {
  /** Quiet time after the last event before looking (and calling `onChange`); 150 ms. */
  debounceMs?: number;
  /** The longest a busy directory may postpone that look; ten debounces. */
  maxWaitMs?: number;
  /** While the file is missing or a directory cannot be watched, look again this often; 1 s. */
  retryMs?: number;
}

/** A watched directory other than the file's own: where its real path lives. */
interface RealDir {
  path: string;
  /** Device and inode, to notice a directory deleted and created again under the same name. */
  id: string | undefined;
  stop: (() => void) | undefined;
}

/**
 * Calls `onChange` (debounced) when the file at `path` changes, is replaced, or the symlinks
 * leading to it are re-pointed (a Kubernetes ConfigMap swaps `..data` to a new directory; no event
 * names the config itself). Watches the file's own directory and the directory of its real path.
 * Once events settle it re-resolves the real path, moves the second watcher if that directory
 * moved or was recreated, and calls `onChange` if an event named either path or the real path
 * changed: unrelated events in a busy directory cost a `realpath`, not a reload. Never throws:
 * while the file is missing or a directory cannot be watched, it looks again every `retryMs`.
 */
export function followFile(
  path: string,
  onChange: () => void,
  watchDirectory: WatchDirectory,
  timing: FollowTiming = {},
): () => void {
  const debounceMs = timing.debounceMs ?? 150;
  const maxWaitMs = timing.maxWaitMs ?? debounceMs * 10;
  const retryMs = timing.retryMs ?? 1000;
  const target = resolvePath(path);
  const ownDir = dirname(target);
  /** The real path when last resolved; undefined while it does not resolve. */
  let current: string | undefined;
  /** The last real path that resolved, for matching event paths while the file is missing. */
  let lastReal: string | undefined;
  let stopOwnDir: (() => void) | undefined;
  let realDir: RealDir | undefined;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pendingSince: number | undefined;
  let named = false;
  let settling: Promise<void> = Promise.resolve();

  /** Points the watchers at `next`'s directories; returns whether a watcher was (re)started. */
  const repoint = (next: string | undefined, id: string | undefined): boolean => {
    let restarted = false;
    if (stopOwnDir === undefined) {
      stopOwnDir = watchDirectory(ownDir, onEvent);
      restarted = stopOwnDir !== undefined;
    }
    // The own directory's watcher already covers a real path beside the link.
    const dir = next === undefined || dirname(next) === ownDir ? undefined : dirname(next);
    if (realDir?.path === dir && realDir?.id === id && realDir?.stop !== undefined) {
      return restarted;
    }
    stop(realDir?.stop);
    realDir = dir === undefined ? undefined : { path: dir, id, stop: watchDirectory(dir, onEvent) };
    return restarted || realDir?.stop !== undefined;
  };

  const retryWhileDegraded = () => {
    const degraded = stopOwnDir === undefined || current === undefined ||
      (realDir !== undefined && realDir.stop === undefined);
    if (!degraded || retryTimer !== undefined || stopped) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      settling = settling.then(() => settle(false));
    }, retryMs);
  };

  const settle = async (wasNamed: boolean) => {
    const next = await realpathOrUndefined(target);
    const dir = next === undefined ? undefined : dirname(next);
    const id = dir === undefined || dir === ownDir ? undefined : await directoryId(dir);
    if (stopped) return;
    const moved = next !== current;
    current = next;
    if (next !== undefined) lastReal = next;
    // A restarted watcher may have missed events; the listener compares content anyway.
    const restarted = repoint(next, id);
    retryWhileDegraded();
    if (!wasNamed && !moved && !restarted) return;
    try {
      onChange();
    } catch {
      // A failing listener must not take the process down; the reloader logs its own errors.
    }
  };

  function onEvent(paths: readonly string[] | null): void {
    if (stopped) return;
    if (paths === null || paths.some((p) => names(p, target, lastReal))) named = true;
    const now = Date.now();
    pendingSince ??= now;
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      pendingSince = undefined;
      const wasNamed = named;
      named = false;
      settling = settling.then(() => settle(wasNamed));
    }, Math.max(0, Math.min(debounceMs, pendingSince + maxWaitMs - now)));
  }

  current = realpathOrUndefinedSync(target);
  lastReal = current;
  const startDir = current === undefined ? undefined : dirname(current);
  repoint(
    current,
    startDir === undefined || startDir === ownDir ? undefined : directoryIdSync(startDir),
  );
  retryWhileDegraded();

  return () => {
    stopped = true;
    clearTimeout(timer);
    clearTimeout(retryTimer);
    stop(stopOwnDir);
    stop(realDir?.stop);
  };
}

function names(eventPath: string, target: string, real: string | undefined): boolean {
  const p = resolvePath(eventPath);
  return p === target || p === real;
}

async function realpathOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch {
    // Mid-swap, removed, or a dangling link.
    return undefined;
  }
}

function realpathOrUndefinedSync(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

async function directoryId(dir: string): Promise<string | undefined> {
  try {
    const info = await stat(dir);
    return `${info.dev}:${info.ino}`;
  } catch {
    return undefined;
  }
}

function directoryIdSync(dir: string): string | undefined {
  try {
    const info = statSync(dir);
    return `${info.dev}:${info.ino}`;
  } catch {
    return undefined;
  }
}

function stop(stopper: (() => void) | undefined): void {
  try {
    stopper?.();
  } catch {
    // Already closed, or its directory is gone.
  }
}

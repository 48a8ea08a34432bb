/**
 * Hono's router with a cache of match results by method and path. The route table cannot use
 * Hono's RegExpRouter (`/api/2.0/endpoints/:name` beside `/api/2.0/endpoints/limits/:name`), so
 * every request would walk the trie router; a client calls the same few paths over and over, so
 * the walk is done once per path. The cache is bounded: when full it starts again, so a flood of
 * distinct paths costs no more than no cache at all.
 */
import type { Result, Router } from "hono/router";
import { TrieRouter } from "hono/router/trie-router";

const MAX_CACHED_PATHS = 1024;

export class CachedRouter<T> implements Router<T> {
  readonly name = "CachedRouter";
  #router = new TrieRouter<T>();
  #cache = new Map<string, Result<T>>();

  /** How many paths are cached (for tests). */
  get cachedPaths(): number {
    return this.#cache.size;
  }

  add(method: string, path: string, handler: T): void {
    this.#cache.clear();
    this.#router.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    const key = `${method} ${path}`;
    let result = this.#cache.get(key);
    if (result === undefined) {
      result = this.#router.match(method, path);
      if (this.#cache.size >= MAX_CACHED_PATHS) this.#cache.clear();
      this.#cache.set(key, result);
    }
    return result;
  }
}

import { assertEquals } from "../../tests/assert.ts";
import { TrieRouter } from "hono/router/trie-router";
import { CachedRouter } from "./router.ts";

const ROUTES: [string, string, string][] = [
  ["ALL", "/*", "middleware"],
  ["POST", "/v1/chat/completions", "chat"],
  ["GET", "/api/2.0/endpoints/:name", "endpoint"],
  ["GET", "/api/2.0/endpoints/limits/:name", "limits"],
  ["POST", "/gateway/:name/invocations", "invoke"],
];

function routers() {
  const cached = new CachedRouter<string>();
  const trie = new TrieRouter<string>();
  for (const [method, path, handler] of ROUTES) {
    cached.add(method, path, handler);
    trie.add(method, path, handler);
  }
  return { cached, trie };
}

Deno.test("CachedRouter matches exactly as the trie router, the first time and from its cache", () => {
  const { cached, trie } = routers();
  const calls: [string, string][] = [
    ["POST", "/v1/chat/completions"],
    ["GET", "/v1/chat/completions"],
    ["GET", "/api/2.0/endpoints/chat"],
    ["GET", "/api/2.0/endpoints/limits/chat"],
    ["POST", "/gateway/caf%C3%A9/invocations"],
    ["POST", "/nowhere"],
  ];
  for (let pass = 0; pass < 2; pass++) {
    for (const [method, path] of calls) {
      assertEquals(cached.match(method, path), trie.match(method, path), `${method} ${path}`);
    }
  }
});

Deno.test("CachedRouter stays bounded under a flood of distinct paths and still matches", () => {
  const { cached, trie } = routers();
  for (let i = 0; i < 5_000; i++) {
    const path = `/gateway/endpoint-${i}/invocations`;
    assertEquals(cached.match("POST", path), trie.match("POST", path));
    if (cached.cachedPaths > 1024) throw new Error(`${cached.cachedPaths} paths cached`);
  }
  assertEquals(
    cached.match("POST", "/v1/chat/completions"),
    trie.match("POST", "/v1/chat/completions"),
  );
});

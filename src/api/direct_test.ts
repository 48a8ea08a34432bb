import { assertEquals } from "../../tests/assert.ts";
import { DirectRoutes, pathOf } from "./direct.ts";
import type { Invocation } from "./invoke.ts";
import type { RouteDef } from "./mount.ts";

const chat: Invocation = () => Promise.resolve(new Response("chat"));
const named: Invocation = () => Promise.resolve(new Response("named"));
const getter: Invocation = () => Promise.resolve(new Response("get"));

function def(method: string, path: string, direct?: Invocation, aliases?: string[]): RouteDef {
  const route: RouteDef = {
    route: { method, path, responses: {} } as unknown as RouteDef["route"],
    handler: () => new Response(),
  };
  if (direct) route.direct = direct;
  if (aliases) route.aliases = aliases;
  return route;
}

const routes = new DirectRoutes([
  def("post", "/v1/chat/completions", chat),
  def("post", "/gateway/{name}/invocations", named, ["/endpoints/{name}/invocations"]),
  def("get", "/v1/models", getter),
  def("post", "/v1/other"),
]);

Deno.test("pathOf() is the path and query of a URL", () => {
  assertEquals(pathOf("http://127.0.0.1:8080/v1/chat/completions"), "/v1/chat/completions");
  assertEquals(pathOf("http://h/a?b=1"), "/a?b=1");
  assertEquals(pathOf("http://h"), "/");
});

Deno.test("DirectRoutes matches exact paths and single decoded-free names only", () => {
  const at = (path: string) => routes.match(pathOf(`http://127.0.0.1:1${path}`));
  assertEquals(at("/v1/chat/completions")?.invocation, chat);
  assertEquals(at("/gateway/my-chat/invocations")?.name, "my-chat");
  assertEquals(at("/endpoints/e.1/invocations")?.invocation, named);
  // Left to Hono: query strings, trailing slashes, encoded or nested names, empty names, routes
  // without a direct handler, other methods' routes.
  for (
    const path of [
      "/v1/chat/completions?x=1",
      "/v1/chat/completions/",
      "/gateway/my%20chat/invocations",
      "/gateway/a/b/invocations",
      "/gateway//invocations",
      "/v1/other",
      "/v1/models",
    ]
  ) {
    assertEquals(at(path), undefined, path);
  }
});

import { assert, assertEquals } from "../../tests/assert.ts";
import { SemanticIndex, semanticQuery } from "./semantic_cache.ts";

Deno.test("semanticQuery() scopes by name and system prompt, and asks the last user text", () => {
  const a = semanticQuery("chat", {
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: "first" },
      { role: "assistant", content: "ok" },
      { role: "user", content: [{ type: "text", text: "second" }] },
    ],
  });
  assertEquals(a?.text, "second");
  const b = semanticQuery("chat", {
    messages: [{ role: "system", content: "Other." }, { role: "user", content: "second" }],
  });
  assert(a?.scope !== b?.scope);
  assertEquals(semanticQuery("chat", { messages: [{ role: "system", content: "x" }] }), undefined);
});

Deno.test("SemanticIndex finds the closest entry above the threshold, in its scope, while live", () => {
  let now = 0;
  const index = new SemanticIndex(2, 60, () => now);
  index.add("s", [1, 0], "east", "chat");
  index.add("s", [0, 1], "north", "chat");
  const near = index.find("s", [0.9, 0.1], 0.95);
  assertEquals(near?.value, "east");
  assert((near?.similarity ?? 0) > 0.99);
  assertEquals(index.find("s", [0.7, 0.7], 0.95), undefined);
  assertEquals(index.find("other", [1, 0], 0.5), undefined);
  // Bounded over all scopes: a third entry, in another scope, pushes the oldest out.
  index.add("t", [-1, 0], "west", "chat");
  assertEquals(index.find("s", [1, 0], 0.99), undefined);
  assertEquals(index.find("t", [-1, 0], 0.99)?.value, "west");
  now = 61_000;
  assertEquals(index.find("s", [0, 1], 0.5), undefined);
});

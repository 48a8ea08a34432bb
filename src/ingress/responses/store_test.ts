import { assert, assertEquals } from "../../../tests/assert.ts";
import type { ChatMessage } from "../../schemas/chat.ts";
import { ResponseStore, SharedResponses } from "./store.ts";

/** An entry of `client` whose response has id `id` (and `padding` characters of text). */
function entry(id: string, client = "alice", padding = 0) {
  const conversation: ChatMessage[] = [
    { role: "user", content: "Hi" },
    { role: "assistant", content: "x".repeat(padding) },
  ];
  return { response: { id, object: "response" }, conversation, client };
}

/** The bytes the store counts for `entry(id, client, padding)`. */
function bytesOf(id: string, client = "alice", padding = 0): number {
  const e = entry(id, client, padding);
  return JSON.stringify(e.response).length + JSON.stringify(e.conversation).length;
}

Deno.test("ResponseStore gives a saved response back to the client that saved it", () => {
  const store = new ResponseStore();
  store.save("resp_1", entry("resp_1"));
  const stored = store.get("resp_1", "alice");
  assert(stored !== undefined);
  assertEquals(stored.response, { id: "resp_1", object: "response" });
  assertEquals(stored.conversation, entry("resp_1").conversation);
  assertEquals(stored.client, "alice");
  assertEquals(stored.bytes, bytesOf("resp_1"));
});

Deno.test("ResponseStore hides a saved response from another client", () => {
  const store = new ResponseStore();
  store.save("resp_1", entry("resp_1", "alice"));
  assertEquals(store.get("resp_1", "bob"), undefined);
  assertEquals(store.get("resp_unknown", "alice"), undefined);
});

Deno.test("ResponseStore deletes only the client's own response", () => {
  const store = new ResponseStore();
  store.save("resp_1", entry("resp_1", "alice"));
  assertEquals(store.delete("resp_1", "bob"), false);
  assert(store.get("resp_1", "alice") !== undefined);
  assertEquals(store.delete("resp_1", "alice"), true);
  assertEquals(store.get("resp_1", "alice"), undefined);
  assertEquals(store.delete("resp_1", "alice"), false);
});

Deno.test("ResponseStore lets the oldest responses go past maxEntries", () => {
  const store = new ResponseStore(2);
  store.save("resp_1", entry("resp_1"));
  store.save("resp_2", entry("resp_2"));
  store.save("resp_3", entry("resp_3"));
  assertEquals(store.get("resp_1", "alice"), undefined);
  assert(store.get("resp_2", "alice") !== undefined);
  assert(store.get("resp_3", "alice") !== undefined);
  store.save("resp_4", entry("resp_4"));
  assertEquals(store.get("resp_2", "alice"), undefined);
  assert(store.get("resp_3", "alice") !== undefined);
  assert(store.get("resp_4", "alice") !== undefined);
});

Deno.test("ResponseStore lets the oldest responses go past maxBytes", () => {
  const one = bytesOf("resp_1", "alice", 100);
  // Room for two entries of this size, not three.
  const store = new ResponseStore(100, one * 2 + 10);
  store.save("resp_1", entry("resp_1", "alice", 100));
  store.save("resp_2", entry("resp_2", "alice", 100));
  assert(store.get("resp_1", "alice") !== undefined);
  store.save("resp_3", entry("resp_3", "alice", 100));
  assertEquals(store.get("resp_1", "alice"), undefined);
  assert(store.get("resp_2", "alice") !== undefined);
  assert(store.get("resp_3", "alice") !== undefined);
});

Deno.test("ResponseStore keeps room freed by a delete for later responses", () => {
  const one = bytesOf("resp_1", "alice", 100);
  const store = new ResponseStore(100, one * 2 + 10);
  store.save("resp_1", entry("resp_1", "alice", 100));
  store.save("resp_2", entry("resp_2", "alice", 100));
  assert(store.delete("resp_2", "alice"));
  store.save("resp_3", entry("resp_3", "alice", 100));
  assert(store.get("resp_1", "alice") !== undefined);
  assert(store.get("resp_3", "alice") !== undefined);
});

Deno.test("ResponseStore does not keep a response larger than maxBytes", () => {
  const store = new ResponseStore(100, bytesOf("resp_1", "alice", 10));
  store.save("resp_1", entry("resp_1", "alice", 10));
  store.save("resp_big", entry("resp_big", "alice", 1000));
  assertEquals(store.get("resp_big", "alice"), undefined);
  assert(store.get("resp_1", "alice") !== undefined);
});

Deno.test("SharedResponses finds its own saves before the database has them, per client", async () => {
  const table = new Map<string, { client: string; body: string }>();
  let release: () => void = () => {};
  const written = new Promise<void>((resolve) => (release = resolve));
  const errors: unknown[] = [];
  const shared = new SharedResponses({
    saveResponse: async (row) => {
      await written;
      table.set(row.id, { client: row.client, body: row.body });
    },
    loadResponse: (id, client) =>
      Promise.resolve(table.get(id)?.client === client ? table.get(id)?.body : undefined),
    deleteResponse: (id, client) =>
      Promise.resolve(table.get(id)?.client === client && table.delete(id)),
  }, (error) => errors.push(error));
  shared.save("resp_1", { response: { id: "resp_1" }, conversation: [], client: "alice" });
  assertEquals(table.size, 0);
  assertEquals((await shared.get("resp_1", "alice"))?.response, { id: "resp_1" });
  assertEquals(await shared.get("resp_1", "bob"), undefined);
  release();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(table.size, 1);
  // Read back from the database now.
  assertEquals((await shared.get("resp_1", "alice"))?.response, { id: "resp_1" });
  assertEquals(await shared.delete("resp_1", "bob"), false);
  assertEquals(await shared.delete("resp_1", "alice"), true);
  assertEquals(await shared.get("resp_1", "alice"), undefined);
  assertEquals(errors, []);
});

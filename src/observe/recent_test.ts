import { assertEquals } from "../../tests/assert.ts";
import { RequestRecord } from "../core/request_record.ts";
import { RecentRequests, statusMatches } from "./recent.ts";

function record(
  id: string,
  options: { status?: number; key?: string; endpoint?: string; target?: string } = {},
): RequestRecord {
  const r = new RequestRecord(id, { remoteAddress: "" }, "POST", "/v1/chat/completions?x=1");
  r.ingress = "openai.chat";
  r.status = options.status ?? 200;
  r.outcome = r.status < 400 ? "ok" : "error";
  r.client = options.key ?? "anonymous";
  r.endpoint = options.endpoint ?? "chat";
  r.target = options.target ?? r.endpoint;
  r.totalMs = 12.34;
  r.upstreamMs = 10;
  return r;
}

Deno.test("RecentRequests.list() gives the newest first, with the record's figures", () => {
  const recent = new RecentRequests(10);
  recent.write(record("a"));
  recent.write(record("b", { status: 502 }));
  const [b, a] = recent.list();
  assertEquals([b?.id, a?.id], ["b", "a"]);
  assertEquals(a?.path, "/v1/chat/completions");
  assertEquals([a?.total_ms, a?.upstream_ms, a?.overhead_ms], [12.3, 10, 2.3]);
  assertEquals([b?.status, b?.outcome], [502, "error"]);
});

Deno.test("RecentRequests keeps only the latest `size` requests", () => {
  const recent = new RecentRequests(3);
  for (const id of ["1", "2", "3", "4", "5"]) recent.write(record(id));
  assertEquals(recent.list().map((r) => r.id), ["5", "4", "3"]);
  assertEquals(recent.find("2"), undefined);
  assertEquals(recent.find("4")?.summary.id, "4");
});

Deno.test("RecentRequests.list() filters by status, endpoint or route, key, and limits", () => {
  const recent = new RecentRequests(20);
  recent.write(record("ok-alice", { key: "alice" }));
  recent.write(record("limited-bob", { key: "bob", status: 429 }));
  recent.write(record("routed", { key: "alice", endpoint: "other", target: "route" }));
  recent.write(record("failed", { key: "bob", status: 502, endpoint: "other" }));
  const ids = (filter: Parameters<RecentRequests["list"]>[0]) =>
    recent.list(filter).map((r) => r.id);
  assertEquals(ids({ status: "ok" }), ["routed", "ok-alice"]);
  assertEquals(ids({ status: "error" }), ["failed", "limited-bob"]);
  assertEquals(ids({ status: "4xx" }), ["limited-bob"]);
  assertEquals(ids({ status: "502" }), ["failed"]);
  assertEquals(ids({ endpoint: "other" }), ["failed", "routed"]);
  assertEquals(ids({ endpoint: "route" }), ["routed"]);
  assertEquals(ids({ key: "bob", status: "5xx" }), ["failed"]);
  assertEquals(ids({ limit: 1 }), ["failed"]);
});

Deno.test("RecentRequests keeps bodies only for the newest few", () => {
  const recent = new RecentRequests(10, 2);
  for (const id of ["1", "2", "3"]) {
    const r = record(id);
    r.bodies = { request: { id } };
    recent.write(r);
  }
  assertEquals(recent.find("1")?.bodies, undefined);
  assertEquals(recent.find("2")?.bodies, { request: { id: "2" } });
  assertEquals(recent.find("3")?.bodies, { request: { id: "3" } });
});

Deno.test("RecentRequests skips records of the gateway's own APIs (no ingress)", () => {
  const recent = new RecentRequests(10);
  const r = record("admin");
  r.ingress = undefined;
  recent.write(r);
  assertEquals(recent.list(), []);
});

Deno.test("statusMatches() reads ok, error, a class and a status", () => {
  assertEquals(statusMatches("ok", "ok", 200), true);
  assertEquals(statusMatches("ok", "broken", 200), false, "a broken stream is not ok");
  assertEquals(statusMatches("error", "client_closed", 499), true);
  assertEquals(statusMatches("4xx", "error", 429), true);
  assertEquals(statusMatches("4xx", "error", 502), false);
  assertEquals(statusMatches("429", "error", 429), true);
});

import { assertEquals } from "../../tests/assert.ts";
import { CircuitBreakers } from "./circuit.ts";

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

Deno.test("CircuitBreakers opens after N failures in a row and says how long it stays open", () => {
  const time = clock();
  const breakers = new CircuitBreakers({ failures: 3, cooldownSeconds: 30 }, time.now);
  breakers.failure("a");
  breakers.failure("a");
  assertEquals(breakers.admit("a"), { allowed: true, probe: false });
  breakers.failure("a");
  assertEquals(breakers.admit("a"), { allowed: false, retryAfter: 30 });
  time.advance(10_500);
  assertEquals(breakers.admit("a"), { allowed: false, retryAfter: 20 });
  assertEquals(breakers.state("a").state, "open");
  assertEquals(
    breakers.admit("b"),
    { allowed: true, probe: false },
    "other endpoints are unaffected",
  );
});

Deno.test("CircuitBreakers counts only consecutive failures", () => {
  const breakers = new CircuitBreakers({ failures: 2, cooldownSeconds: 30 });
  breakers.failure("a");
  breakers.success("a");
  breakers.failure("a");
  assertEquals(breakers.admit("a").allowed, true);
});

Deno.test("CircuitBreakers lets one probe through after the cooldown; its result decides", () => {
  const time = clock();
  const breakers = new CircuitBreakers({ failures: 1, cooldownSeconds: 5 }, time.now);
  breakers.failure("a");
  time.advance(5_000);
  assertEquals(breakers.state("a").state, "half_open");
  assertEquals(breakers.admit("a"), { allowed: true, probe: true });
  assertEquals(breakers.admit("a"), { allowed: false, retryAfter: 1 }, "only one probe at a time");
  breakers.failure("a");
  assertEquals(breakers.admit("a"), { allowed: false, retryAfter: 5 }, "a failed probe reopens");
  time.advance(5_000);
  assertEquals(breakers.admit("a"), { allowed: true, probe: true });
  breakers.success("a");
  assertEquals(breakers.admit("a"), { allowed: true, probe: false });
  assertEquals(breakers.state("a").state, "closed");
});

Deno.test("CircuitBreakers.release() frees the probe slot without a verdict", () => {
  const time = clock();
  const breakers = new CircuitBreakers({ failures: 1, cooldownSeconds: 1 }, time.now);
  breakers.failure("a");
  time.advance(1_000);
  assertEquals(breakers.admit("a").allowed, true);
  breakers.release("a");
  assertEquals(breakers.admit("a"), { allowed: true, probe: true });
});

import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { Deadlines, withDeadline } from "./deadlines.ts";

Deno.test("Deadlines.sweep() expires what is due, and only that", () => {
  const deadlines = new Deadlines(1_000);
  const fired: string[] = [];
  const now = performance.now();
  deadlines.add(100, () => fired.push("soon"));
  const later = deadlines.add(10_000, () => fired.push("later"));
  const cancelled = deadlines.add(100, () => fired.push("cancelled"));
  deadlines.cancel(cancelled);
  deadlines.sweep(now + 50);
  assertEquals(fired, []);
  deadlines.sweep(now + 200);
  assertEquals(fired, ["soon"]);
  assertEquals(deadlines.size, 1);
  deadlines.cancel(later);
  deadlines.sweep(now + 20_000);
  assertEquals(fired, ["soon"]);
  assertEquals(deadlines.size, 0);
});

Deno.test("Deadlines.sweep() expires a deadline early once its signal aborts", () => {
  const deadlines = new Deadlines(1_000);
  const client = new AbortController();
  let fired = 0;
  deadlines.add(60_000, () => fired++, client.signal);
  deadlines.sweep();
  assertEquals(fired, 0);
  client.abort();
  deadlines.sweep();
  assertEquals(fired, 1);
  deadlines.sweep();
  assertEquals(fired, 1);
});

Deno.test("withDeadline() settles as the work does, or rejects once the time is up", async () => {
  // The sweep's own timer does not keep the process alive; this one does, as a server would.
  const keepAlive = setTimeout(() => {}, 5_000);
  assertEquals(await withDeadline(Promise.resolve(7), 1_000, () => new Error("late")), 7);
  await assertRejects(
    () => withDeadline(Promise.reject(new Error("broken")), 1_000, () => new Error("late")),
    /broken/,
  );
  let stopped = false;
  await assertRejects(
    () =>
      withDeadline(new Promise(() => {}), 30, () => {
        stopped = true;
        return new Error("late");
      }),
    /late/,
  );
  clearTimeout(keepAlive);
  assertEquals(stopped, true);
});

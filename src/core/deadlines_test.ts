import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { Deadlines, deadlines, TimedWork, withDeadline } from "./deadlines.ts";

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

Deno.test("Deadlines.sweep() aborts a controller given as the expiry, unless cancelled", () => {
  const deadlines = new Deadlines(1_000);
  const now = performance.now();
  const due = new AbortController();
  const cancelled = new AbortController();
  deadlines.add(100, due);
  deadlines.cancel(deadlines.add(100, cancelled));
  deadlines.sweep(now + 50);
  assertEquals(due.signal.aborted, false);
  deadlines.sweep(now + 200);
  assertEquals([due.signal.aborted, cancelled.signal.aborted], [true, false]);
  assertEquals(deadlines.size, 0);
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

Deno.test("TimedWork settles as the work does, leaves no deadline once done, and times out", async () => {
  const keepAlive = setTimeout(() => {}, 5_000);
  const pendingBefore = deadlines.size;
  const quick = new TimedWork(Promise.resolve("body"), 1_000, () => new Error("late"));
  assertEquals(deadlines.size, pendingBefore + 1);
  assertEquals(await quick.promise, "body");
  quick.done();
  assertEquals(deadlines.size, pendingBefore);
  const broken = new TimedWork(Promise.reject(new Error("reset")), 1_000, () => new Error("late"));
  await assertRejects(() => broken.promise, /reset/);
  broken.done();
  const stalled = new TimedWork(
    new Promise(() => {}),
    30,
    (ms) => new Error(`late after ${ms} ms`),
  );
  await assertRejects(() => stalled.promise, /late after 30 ms/);
  // Expired: done() after that changes nothing.
  assertEquals(deadlines.size, pendingBefore);
  stalled.done();
  assertEquals(deadlines.size, pendingBefore);
  clearTimeout(keepAlive);
});

Deno.test("Deadlines keeps a deadline added while it sweeps, and counts cancels once", () => {
  const deadlines = new Deadlines(1_000);
  const fired: string[] = [];
  const now = performance.now();
  const first = deadlines.add(10, () => {
    fired.push("first");
    deadlines.add(10_000, () => fired.push("added by first"));
  });
  const kept = deadlines.add(5_000, () => fired.push("kept"));
  deadlines.sweep(now + 100);
  assertEquals(fired, ["first"]);
  assertEquals(deadlines.size, 2);
  // Cancelling an expired deadline, or one twice, changes nothing.
  deadlines.cancel(first);
  deadlines.cancel(kept);
  deadlines.cancel(kept);
  assertEquals(deadlines.size, 1);
  deadlines.sweep(now + 20_000);
  assertEquals(fired, ["first", "added by first"]);
  assertEquals(deadlines.size, 0);
});

Deno.test("Deadlines.extend() moves a pending deadline, and leaves a settled one alone", () => {
  const deadlines = new Deadlines(1_000);
  const fired: string[] = [];
  const moved = deadlines.add(100, () => fired.push("moved"));
  const done = deadlines.add(100, () => fired.push("done"));
  deadlines.cancel(done);
  const start = performance.now();
  deadlines.extend(moved, 5_000);
  deadlines.extend(done, 5_000);
  deadlines.sweep(start + 1_000);
  assertEquals(fired, []);
  deadlines.sweep(start + 6_000);
  assertEquals(fired, ["moved"]);
  assertEquals(deadlines.size, 0);
});

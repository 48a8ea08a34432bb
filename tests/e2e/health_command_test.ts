/** `gateway health`: the probe a container runs; exit 0 and `ok` when healthy, else 1 and why. */
import { assertEquals, assertStringIncludes } from "../assert.ts";
import { runCli, startGateway, UNDER_TEST } from "./harness.ts";

/** A loopback port nothing listens on: one the system just gave out, then closed. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

Deno.test(`gateway health: a serving gateway is ok, exit 0 (${UNDER_TEST})`, async () => {
  const gateway = await startGateway();
  try {
    const result = await runCli(["health", "--url", gateway.url]);
    assertEquals(result.code, 0, result.stderr);
    assertEquals(result.stdout.trim(), "ok");
    // $GATEWAY_URL is the default address, as for the other client commands.
    const fromEnv = await runCli(["health"], { env: { GATEWAY_URL: gateway.url } });
    assertEquals(fromEnv.code, 0, fromEnv.stderr);
    assertEquals(fromEnv.stdout.trim(), "ok");
  } finally {
    await gateway.stop();
  }
});

Deno.test(`gateway health: nothing listening is exit 1, connection refused (${UNDER_TEST})`, async () => {
  const url = `http://127.0.0.1:${closedPort()}`;
  const result = await runCli(["health", "--url", url]);
  assertEquals(result.code, 1);
  assertEquals(result.stdout, "");
  assertEquals(result.stderr.trim().split("\n").length, 1, result.stderr);
  assertStringIncludes(result.stderr, `gateway health: ${url}/health`);
  assertStringIncludes(result.stderr, "connection refused");
});

Deno.test(`gateway health: a 503 or a foreign 200 is exit 1 naming it (${UNDER_TEST})`, async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) =>
      new URL(request.url).pathname === "/other/health"
        ? new Response("<html>hello</html>", { headers: { "content-type": "text/html" } })
        : new Response("draining", { status: 503 }),
  );
  try {
    const base = `http://127.0.0.1:${server.addr.port}`;
    const unhealthy = await runCli(["health", "--url", base]);
    assertEquals(unhealthy.code, 1);
    assertEquals(unhealthy.stdout, "");
    assertEquals(unhealthy.stderr.trim().split("\n").length, 1, unhealthy.stderr);
    assertStringIncludes(unhealthy.stderr, "HTTP 503");
    // Something else answering 200 on the port is not a healthy gateway.
    const foreign = await runCli(["health", "--url", `${base}/other`]);
    assertEquals(foreign.code, 1);
    assertStringIncludes(foreign.stderr, "answered 200 but not as a gateway does");
  } finally {
    await server.shutdown();
  }
});

Deno.test(`gateway health: no answer in time is exit 1 after --timeout (${UNDER_TEST})`, async () => {
  // Accepts connections and never answers.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })();
  try {
    const started = Date.now();
    const result = await runCli([
      "health",
      "--url",
      `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
      "--timeout",
      "0.5",
    ]);
    assertEquals(result.code, 1);
    assertStringIncludes(result.stderr, "no answer within 0.5 s");
    assertEquals(Date.now() - started < 15_000, true);
  } finally {
    listener.close();
    await accepting.catch(() => {});
    for (const conn of held) conn.close();
  }
});

Deno.test(`gateway health: a bad --timeout is a usage error, exit 2 (${UNDER_TEST})`, async () => {
  const result = await runCli(["health", "--timeout", "soon"]);
  assertEquals(result.code, 2);
  assertStringIncludes(result.stderr, "invalid value for --timeout: 'soon'");
});

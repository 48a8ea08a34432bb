/**
 * The dashboard at /ui in a real browser: headless Chromium (Debian's `chromium`, driven by
 * playwright-core, which downloads no browser) against a gateway with authentication on that
 * has served real requests through a mock OpenAI upstream (some failing, some through a
 * FALLBACK route). Every page is loaded and checked to show those numbers; a key is created and
 * revoked; a playground message streams, alone and beside a second endpoint; a phone-sized dark
 * page is looked at too. No request may leave loopback. Screenshots of each page go to
 * tests/artifacts/ui/ (git-ignored); with GATEWAY_UI_SCREENSHOT=1 the README's docs/ui.png is
 * written again.
 */
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { fileURLToPath } from "node:url";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { startMockOpenAI } from "../mocks/openai.ts";
import { postJson, startGateway, UNDER_TEST } from "./harness.ts";

const CHROMIUM = "/usr/bin/chromium";
const HAS_CHROMIUM = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ARTIFACTS = `${ROOT}tests/artifacts/ui`;
/** Bounds every browser step, and the whole test. */
const STEP_MS = 15_000;
const TEST_MS = 55_000;

const UPSTREAM_KEY = "sk-ui-upstream-0123456789";
const ADMIN_KEY = "ui-admin-secret-0123456789abcd";
const ALICE_KEY = "ui-alice-secret-0123456789abcd";

function config(upstream: string, dir: string): string {
  // A closed loopback port: every call to `down` fails at once (502).
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = (closed.addr as Deno.NetAddr).port;
  closed.close();
  return `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    retries: 0
    # A day: limits count in windows of the clock (a minute's would turn between the calls and
    # the check about one run in five).
    limit: {calls: 100, renewal_period: day}
    model:
      provider: openai
      name: gpt-4o-mini
      cost: {input: 1000, output: 2000}
      config: {openai_api_key: $UPSTREAM_KEY, openai_api_base: ${upstream}}
  - name: down
    endpoint_type: llm/v1/chat
    retries: 0
    model:
      provider: openai
      name: gpt-4o-mini
      config: {openai_api_key: $UPSTREAM_KEY, openai_api_base: "http://127.0.0.1:${closedPort}/v1"}
  - name: fixed
    endpoint_type: llm/v1/chat
    budget: {usd: 5, period: day}
    model:
      provider: mock
      name: mock-fixed
      cost: {input: 500, output: 500}
      config: {reply: "Hello from the fixed mock."}
  - name: stream
    endpoint_type: llm/v1/chat
    model:
      provider: mock
      name: mock-stream
      cost: {input: 100, output: 100}
      config: {delay_ms: 60}
routes:
  - name: safe
    task_type: llm/v1/chat
    routing_strategy: FALLBACK
    destinations: [{name: down}, {name: fixed}]
server:
  circuit_breaker: {failures: 100}
  audit: {path: ${dir}/audit.jsonl, bodies: true}
  auth:
    keys:
      - {name: ops, key: $ADMIN_KEY, admin: true}
      - {name: alice, key: $ALICE_KEY, budget: {usd: 10, period: month}}
`;
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

interface Seen {
  url: string;
  kind: string;
}

/** A browser context that notes every request its pages, workers and downloads make. */
async function watchedContext(
  browser: Browser,
  seen: Seen[],
  problems: string[],
  options: Parameters<Browser["newContext"]>[0] = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ acceptDownloads: true, ...options });
  context.setDefaultTimeout(STEP_MS);
  context.on("request", (request) => {
    seen.push({ url: request.url(), kind: request.resourceType() });
  });
  const page = await context.newPage();
  page.on("websocket", (ws) => seen.push({ url: ws.url(), kind: "ws" }));
  // A policy violation or a script error is a failure of the page.
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  return { context, page };
}

/** The text of an element, once it has some. */
async function textOf(page: Page, selector: string): Promise<string> {
  const locator = page.locator(selector).first();
  await locator.waitFor({ state: "visible" });
  return (await locator.innerText()).trim();
}

/** Waits until an element's text is `expected` (the pages load, then refresh). */
async function waitForText(page: Page, selector: string, expected: string): Promise<void> {
  const locator = page.locator(selector).first();
  try {
    await locator.filter({ hasText: expected }).waitFor({ state: "visible" });
    assertEquals((await locator.innerText()).trim(), expected, selector);
  } catch (error) {
    const now = await locator.innerText().catch(() => "(none)");
    throw new Error(`${selector}: expected "${expected}", shows "${now}"`, { cause: error });
  }
}

/** Waits until the requests table's rows (as text) satisfy `check` (the list reloads). */
async function waitForRows(page: Page, check: (rows: string[]) => boolean): Promise<void> {
  const rows = () => page.locator("tr[data-request]").allInnerTexts();
  const deadline = Date.now() + STEP_MS;
  while (!check(await rows())) {
    if (Date.now() > deadline) throw new Error(`the rows are not as expected:\n${await rows()}`);
    await page.waitForTimeout(50);
  }
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
}

Deno.test({
  name: HAS_CHROMIUM
    ? `/ui in Chromium: every page shows the traffic served, keys, playground (${UNDER_TEST})`
    : `/ui in Chromium (${UNDER_TEST}): IGNORED, no ${CHROMIUM} (apt-get install chromium)`,
  ignore: !HAS_CHROMIUM,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    Deno.mkdirSync(ARTIFACTS, { recursive: true });
    const upstream = startMockOpenAI({ apiKey: UPSTREAM_KEY });
    const dir = Deno.makeTempDirSync({ prefix: "gateway-ui-" });
    const gateway = await startGateway({
      config: config(upstream.baseUrl, dir),
      env: { UPSTREAM_KEY, ADMIN_KEY, ALICE_KEY },
    });
    const host = new URL(gateway.url).hostname;
    const seen: Seen[] = [];
    const problems: string[] = [];
    let browser: Browser | undefined;
    const chat = async (model: string, key: string, stream = false) => {
      const response = await postJson(`${gateway.url}/v1/chat/completions`, {
        model,
        messages: [{ role: "user", content: "How are the numbers today?" }],
        ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
      }, { authorization: `Bearer ${key}` });
      await response.text();
      return response.status;
    };
    try {
      await t.step(
        "the gateway serves traffic: answers, a stream, failures, fallbacks",
        async () => {
          for (let i = 0; i < 4; i++) assertEquals(await chat("chat", ALICE_KEY), 200);
          assertEquals(await chat("chat", ALICE_KEY, true), 200);
          assertEquals(await chat("down", ALICE_KEY), 502);
          assertEquals(await chat("down", ALICE_KEY), 502);
          for (let i = 0; i < 3; i++) assertEquals(await chat("safe", ADMIN_KEY), 200);
        },
      );

      await withDeadline(
        (async () => {
          browser = await chromium.launch({
            executablePath: CHROMIUM,
            args: [
              "--headless",
              "--no-sandbox",
              "--disable-gpu",
              "--disable-quic",
              "--no-first-run",
              "--disable-background-networking",
              "--disable-component-update",
              "--disable-sync",
            ],
            timeout: STEP_MS,
          });
          const { page } = await watchedContext(browser, seen, problems, {
            viewport: { width: 1280, height: 800 },
            colorScheme: "light",
          });

          await t.step("sign-in asks for an admin key and refuses others", async () => {
            const response = await page.goto(`${gateway.url}/ui`);
            assertEquals(response?.status(), 200);
            const key = page.locator("input[name=key]");
            await key.waitFor({ state: "visible" });
            await shoot(page, "signin");
            await key.fill("not-a-key-at-all");
            await page.keyboard.press("Enter");
            await waitForText(page, ".signin [role=alert]", "The gateway does not know that key.");
            await key.fill(ALICE_KEY);
            await page.keyboard.press("Enter");
            await waitForText(
              page,
              ".signin [role=alert]",
              "That key is not an admin key: the dashboard needs one.",
            );
            await key.fill(ADMIN_KEY);
            await page.keyboard.press("Enter");
            await page.locator("h1", { hasText: "Overview" }).waitFor();
            const stored = await page.evaluate(() => ({
              session: sessionStorage.getItem("gateway.adminKey"),
              local: Object.values(localStorage).join(" "),
            }));
            assertEquals(stored.session, ADMIN_KEY);
            assert(!stored.local.includes(ADMIN_KEY), "the key is not kept beyond the tab");
          });

          await t.step("overview: the figures and charts show the requests served", async () => {
            await waitForText(page, "[data-stat=requests] .stat-value", "10");
            await waitForText(page, "[data-stat=error-rate] .stat-value", "20%");
            await waitForText(page, "[data-chart=requests] [data-series=ok] b", "8");
            await waitForText(page, "[data-chart=requests] [data-series=errors] b", "2");
            const bars = await page.locator("[data-chart=requests] rect.bar").evaluateAll((
              rects,
            ) => rects.reduce((sum, r) => sum + Number(r.getAttribute("data-value")), 0));
            assertEquals(bars, 10, "the bars add up to the requests");
            assert(
              await page.locator("[data-chart=latency] circle").count() > 0,
              "latency points",
            );
            assertMatch(await textOf(page, "[data-stat=cost] .stat-value"), /^\$\d/);
            assertMatch(await textOf(page, "[data-stat=overhead] .stat-value"), /ms$/);
            await page.getByRole("radio", { name: "Week" }).click();
            await page.locator("[data-chart=requests] figcaption", { hasText: "per hour" })
              .waitFor();
            await waitForText(page, "[data-stat=requests] .stat-value", "10");
            await shoot(page, "overview");
            if (Deno.env.get("GATEWAY_UI_SCREENSHOT") === "1") {
              await page.getByRole("radio", { name: "Hour" }).click();
              await page.waitForTimeout(300);
              await page.screenshot({ path: `${ROOT}docs/ui.png` });
            }
          });

          await t.step(
            "endpoints: limits used, health, last errors, the route's picks",
            async () => {
              await page.goto(`${gateway.url}/ui#/endpoints`);
              await waitForText(page, "[data-endpoint=down] [data-health]", "failing");
              await waitForText(page, "[data-endpoint=chat] [data-health]", "ok");
              await waitForText(
                page,
                "[data-endpoint=chat] .meter-label",
                "5 / 100 calls per day",
              );
              assertEquals(
                await page.locator("[data-endpoint=down] ul.errors li").count(),
                5,
                "the last five errors of `down` (two direct, three from the route)",
              );
              await waitForText(
                page,
                "[data-route=safe] [data-destination=fixed] [data-served]",
                "3 (100%)",
              );
              assertStringIncludes(
                await textOf(page, "[data-route=safe] [data-destination=down]"),
                "3",
              );
              await shoot(page, "endpoints");
            },
          );

          await t.step("usage: table, chart and CSV by endpoint and by key", async () => {
            await page.goto(`${gateway.url}/ui#/usage`);
            await waitForText(page, "tr[data-group=chat] [data-col=requests]", "5");
            await waitForText(page, "tr[data-group=fixed] [data-col=requests]", "3");
            await waitForText(page, "tfoot [data-col=requests]", "10");
            assertEquals(
              await page.locator("[data-chart=usage] li[data-group=chat]").getAttribute(
                "data-value",
              ),
              "5",
            );
            await page.getByRole("radio", { name: "Key" }).click();
            await waitForText(page, "tr[data-group=alice] [data-col=requests]", "7");
            await waitForText(page, "tr[data-group=ops] [data-col=requests]", "3");
            const [download] = await Promise.all([
              page.waitForEvent("download"),
              page.getByRole("button", { name: "Download CSV" }).click(),
            ]);
            assertMatch(download.suggestedFilename(), /^usage-by-key-.*\.csv$/);
            const csv = await Deno.readTextFile(await download.path());
            const rows = csv.trim().split("\r\n");
            assertStringIncludes(rows[0] ?? "", "key,requests,errors,prompt_tokens");
            assert(rows.some((row) => row.startsWith("alice,7,2,")), csv);
            assert(rows.some((row) => row.startsWith("(total),10,2,")), csv);
            await page.getByRole("radio", { name: "By hour" }).click();
            await page.locator("[data-chart=usage] rect.bar").first().waitFor();
            await shoot(page, "usage");
          });

          await t.step(
            "requests: the latest, filtered; one opens its record and bodies",
            async () => {
              await page.goto(`${gateway.url}/ui#/requests`);
              await page.locator("tr[data-request]").nth(9).waitFor();
              assertEquals(await page.locator("tr[data-request]").count(), 10);
              await shoot(page, "requests");
              await page.selectOption("select[name=status]", "error");
              await waitForRows(
                page,
                (rows) => rows.length === 2 && rows.every((r) => r.includes("502")),
              );
              await page.selectOption("select[name=status]", "");
              await page.selectOption("select[name=endpoint]", "safe");
              await waitForRows(
                page,
                (rows) => rows.length === 3 && rows.every((r) => r.includes("safe → fixed")),
              );
              await page.locator("tr[data-request]").first().click();
              await page.locator("[data-detail]").waitFor();
              assertEquals(await page.locator("[data-table=attempts] tbody tr").count(), 2);
              assertStringIncludes(await textOf(page, "[data-table=attempts]"), "fallback");
              assertStringIncludes(await textOf(page, ".bodies"), "Hello from the fixed mock.");
              await shoot(page, "request");
            },
          );

          await t.step("keys: create one (its secret shown once), use it, revoke it", async () => {
            await page.goto(`${gateway.url}/ui#/keys`);
            await page.locator("tr[data-key=alice]").waitFor();
            assertStringIncludes(await textOf(page, "tr[data-key=alice]"), "per month");
            const form = page.getByRole("form", { name: "New key" });
            await form.locator("input[name=name]").fill("ci-key");
            await form.locator("input[name=endpoints]").fill("chat, stream");
            await form.locator("input[name=budget]").fill("2/day");
            await form.getByRole("button", { name: "Create key" }).click();
            const secret = await textOf(page, "[data-secret-for=ci-key] [data-secret]");
            assert(secret.length >= 20, `a secret: ${secret}`);
            await page.locator("tr[data-key=ci-key][data-state=active]").waitFor();
            assertStringIncludes(await textOf(page, "tr[data-key=ci-key]"), "$0 / $2.00 per day");
            assertEquals(await chat("chat", secret), 200, "the new key works");
            await shoot(page, "keys");
            await page.getByRole("button", { name: "Done" }).click();
            assertEquals(await page.locator("[data-secret]").count(), 0, "shown once");
            await page.locator("tr[data-key=ci-key]").getByRole("button", { name: "Revoke…" })
              .click();
            await page.getByRole("button", { name: "Revoke ci-key" }).click();
            await page.locator("tr[data-key=ci-key][data-state=revoked]").waitFor();
            assertEquals(await chat("chat", secret), 401, "the revoked key is refused");
          });

          await t.step(
            "playground: a message streams in, with its tokens, cost and record",
            async () => {
              await page.goto(`${gateway.url}/ui#/playground`);
              await page.selectOption("select[name=target-a]", "stream");
              const words = "one two three four five six seven eight nine ten";
              await page.locator("textarea[name=prompt]").fill(words);
              await page.getByRole("button", { name: "Send" }).click();
              // Runs in the page (a function: the page's policy forbids evaluating text there);
              // this file is checked without the DOM's types, hence the cast.
              const partial = await page.waitForFunction(
                () => {
                  const { document } = globalThis as unknown as {
                    document: { querySelector(s: string): { textContent: string | null } | null };
                  };
                  const answer = document.querySelector(
                    '[data-pane=a] [data-turn-status="streaming"] [data-answer]',
                  );
                  return answer?.textContent || false;
                },
                undefined,
                { polling: 20 },
              );
              const seenWhileStreaming = String(await partial.jsonValue());
              await page.locator('[data-pane=a] [data-turn-status="done"]').waitFor();
              const answer = await textOf(page, "[data-pane=a] [data-answer]");
              assertEquals(answer, words);
              assert(
                seenWhileStreaming.length < answer.length,
                `part of the answer was shown before its end: "${seenWhileStreaming}"`,
              );
              await page.locator("[data-pane=a] [data-cost]").waitFor();
              assertMatch(await textOf(page, "[data-pane=a] [data-usage]"), /\d+ → 10 tokens/);
              assertMatch(await textOf(page, "[data-pane=a] [data-cost]"), /^\$0\.0\d+/);
              assertStringIncludes(
                await textOf(page, "[data-pane=a] [data-figures]"),
                "first token",
              );
            },
          );

          await t.step("playground: tools given as JSON, the tool call shown as JSON", async () => {
            await page.getByText("System prompt and tools").click();
            await page.locator("textarea[name=tools]").fill(
              JSON.stringify([{ name: "get_weather", parameters: { type: "object" } }]),
            );
            await page.selectOption("select[name=tool_choice]", "required");
            await page.locator("textarea[name=prompt]").fill("Weather in Lyon?");
            await page.getByRole("button", { name: "Send" }).click();
            const turn = page.locator("[data-pane=a] .turn").last();
            await turn.and(page.locator('[data-turn-status="done"]')).waitFor();
            const call = turn.locator('[data-tool-call="get_weather"]');
            assertEquals(JSON.parse(await call.innerText()).arguments, {
              input: "Weather in Lyon?",
            });
            await shoot(page, "playground-tools");
            await page.locator("textarea[name=tools]").fill("");
            await page.selectOption("select[name=tool_choice]", "auto");
          });

          await t.step("playground: the same prompt to two endpoints side by side", async () => {
            await page.getByRole("button", { name: "Clear" }).click();
            await page.locator("input[name=compare]").check();
            await page.selectOption("select[name=target-b]", "fixed");
            await page.locator("textarea[name=prompt]").fill("Say hello");
            await page.locator("textarea[name=prompt]").press("Enter");
            await page.locator('[data-pane=a] [data-turn-status="done"]').waitFor();
            await page.locator('[data-pane=b] [data-turn-status="done"]').waitFor();
            assertEquals(await textOf(page, "[data-pane=a] [data-answer]"), "Say hello");
            assertEquals(
              await textOf(page, "[data-pane=b] [data-answer]"),
              "Hello from the fixed mock.",
            );
            await page.locator("[data-pane=b] [data-cost]").waitFor();
            await shoot(page, "playground");
          });

          await t.step(
            "on a phone, in the dark: readable, nothing wider than the screen",
            async () => {
              const phone = await watchedContext(browser!, seen, problems, {
                viewport: { width: 390, height: 844 },
                deviceScaleFactor: 2,
                isMobile: true,
                hasTouch: true,
                colorScheme: "dark",
              });
              await phone.context.addInitScript((key) => {
                sessionStorage.setItem("gateway.adminKey", key);
              }, ADMIN_KEY);
              for (const name of ["overview", "endpoints", "playground"]) {
                await phone.page.goto(`${gateway.url}/ui#/${name}`);
                await phone.page.locator("h1").waitFor();
                await phone.page.waitForTimeout(300);
                const overflow = await phone.page.evaluate<number>(
                  "document.documentElement.scrollWidth - innerWidth",
                );
                assert(overflow <= 0, `${name}: the page is ${overflow}px wider than the phone`);
                await shoot(phone.page, `${name}-phone-dark`);
              }
              const background = await phone.page.evaluate<string>(
                "getComputedStyle(document.body).backgroundColor",
              );
              assertEquals(background, "rgb(18, 18, 20)", "the dark theme");
              await phone.context.close();
            },
          );
        })(),
        TEST_MS,
        "the browser test",
      );

      await t.step("the pages made no request beyond the gateway, and no error", () => {
        const away = seen.filter(({ url }) => {
          const parsed = new URL(url);
          if (parsed.protocol === "data:" || parsed.protocol === "blob:") return false;
          return parsed.hostname !== host;
        }).map(({ url, kind }) => `${url} (${kind})`);
        assertEquals(away, [], `requests beyond ${host}:\n${away.join("\n")}`);
        assert(seen.length > 20, `the pages' requests were seen (${seen.length})`);
        // 401s of the sign-in attempts show in the console as failed loads; nothing else may.
        const unexpected = problems.filter((p) => !/status of 40[13]/.test(p));
        assertEquals(unexpected, [], unexpected.join("\n"));
      });
    } finally {
      await withDeadline(browser?.close() ?? Promise.resolve(), STEP_MS, "closing Chromium")
        .catch(() => {});
      await gateway.stop();
      await upstream.close();
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

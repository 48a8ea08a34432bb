/**
 * /docs in a real browser: headless Chromium (Debian's `chromium`, driven by playwright-core, which
 * downloads no browser) opens the page the gateway serves and records every request the page, its
 * workers and its service workers make. A gateway for locked-down networks makes none beyond
 * itself: no CDN, no fonts, no Scalar agent, proxy, share or telemetry.
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { startGateway, UNDER_TEST } from "./harness.ts";

const CHROMIUM = "/usr/bin/chromium";
const HAS_CHROMIUM = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();

/** Bounds every step: no browser wait may hang the suite. */
const STEP_MS = 20_000;
const TEST_MS = 120_000;
/** How long the page may go on after it has rendered (agents, telemetry and fonts start early). */
const SETTLE_MS = 2_000;

/** UI that would talk to Scalar's servers: the agent, the developer toolbar, the hosted client. */
const PHONE_HOME_LABELS = [
  "Ask AI",
  "Share",
  "Deploy",
  "Developer Tools",
  "Configure",
  "Open API Client",
];

interface Seen {
  url: string;
  method: string;
  kind: string;
}

/** The requests whose host is not the gateway's (data: and blob: URLs never leave the page). */
function outside(seen: Seen[], host: string): string[] {
  return seen.filter(({ url }) => {
    const parsed = new URL(url);
    if (parsed.protocol === "data:" || parsed.protocol === "blob:") return false;
    return parsed.hostname !== host;
  }).map(({ method, url, kind }) => `${method} ${url} (${kind})`);
}

function assertLocal(seen: Seen[], host: string, when: string): void {
  const away = outside(seen, host);
  assertEquals(away, [], `${when}: the page made requests beyond ${host}:\n${away.join("\n")}`);
}

/** What the document would load by itself (scripts, styles, icons, images, frames), resolved. */
async function loadedResources(page: Page): Promise<string[]> {
  const urls: string[] = [];
  for (const [selector, attribute] of RESOURCE_ATTRIBUTES) {
    for (const element of await page.locator(selector).all()) {
      const value = await element.getAttribute(attribute);
      if (value !== null) urls.push(new URL(value, page.url()).href);
    }
  }
  return urls;
}

const RESOURCE_ATTRIBUTES = [
  ["script[src]", "src"],
  ["link[href]", "href"],
  ["img[src]", "src"],
  ["iframe[src]", "src"],
  ["source[src]", "src"],
] as const;

/** Which of PHONE_HOME_LABELS a button or link on the page offers (by text or aria-label). */
async function phoneHomeLabels(page: Page): Promise<string[]> {
  const controls = page.locator("button, a, [role=button]");
  const ariaLabels = await Promise.all(
    (await controls.all()).map((control) => control.getAttribute("aria-label")),
  );
  const offered = [...await controls.allInnerTexts(), ...ariaLabels.filter((l) => l !== null)];
  return PHONE_HOME_LABELS.filter((label) => offered.some((text) => text.includes(label)));
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

Deno.test({
  name: HAS_CHROMIUM
    ? `/docs in Chromium: every request stays on the gateway, nothing phones home (${UNDER_TEST})`
    : `/docs in Chromium (${UNDER_TEST}): IGNORED, no ${CHROMIUM} (apt-get install chromium)`,
  ignore: !HAS_CHROMIUM,
  // playwright-core keeps its pipe to the browser between steps.
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const gateway = await startGateway();
    const host = new URL(gateway.url).hostname;
    assertEquals(host, "127.0.0.1");
    let browser: Browser | undefined;
    try {
      await withDeadline(
        (async () => {
          // playwright-core gives every launch a fresh, temporary profile.
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
          const context = await browser.newContext();
          context.setDefaultTimeout(STEP_MS);
          const seen: Seen[] = [];
          // Context-level: the page, its frames, popups, workers and service workers.
          context.on("request", (request) => {
            const worker = request.serviceWorker() ? "service worker" : request.resourceType();
            seen.push({ url: request.url(), method: request.method(), kind: worker });
          });
          const page = await context.newPage();
          page.on("websocket", (ws) => seen.push({ url: ws.url(), method: "GET", kind: "ws" }));
          page.on(
            "worker",
            (worker) => seen.push({ url: worker.url(), method: "GET", kind: "worker" }),
          );

          await t.step("/docs renders the API reference from /openapi.json", async () => {
            const response = await page.goto(`${gateway.url}/docs`, { waitUntil: "load" });
            assertEquals(response?.status(), 200);
            await page.getByRole("heading", { name: "Chat completion", exact: true }).first()
              .waitFor({ state: "visible" });
            await page.waitForTimeout(SETTLE_MS);
            const urls = seen.map(({ url }) => new URL(url).pathname);
            for (const path of ["/docs", "/docs/scalar.js", "/openapi.json"]) {
              assert(urls.includes(path), `the page loaded ${path} (seen: ${urls.join(", ")})`);
            }
          });

          await t.step("on load, no request leaves the gateway", async () => {
            assertLocal(seen, host, "on load");
            const resources = await loadedResources(page);
            const away = resources.filter((url) => new URL(url).hostname !== host);
            assertEquals(away, [], `the document references resources elsewhere: ${away}`);
          });

          await t.step(
            "no 'Ask AI', 'Share', toolbar or hosted-client button is offered",
            async () => {
              assertEquals(await phoneHomeLabels(page), [], "the page offers these");
            },
          );

          await t.step(
            "searching, opening operations and sending a test request stay local",
            async () => {
              // The search dialog (where the agent offered "Ask AI Agent").
              await page.keyboard.press("Control+k");
              const search = page.getByRole("combobox", { name: "Enter search query" });
              await search.waitFor({ state: "visible" });
              await page.keyboard.type("models");
              await page.waitForTimeout(500);
              assertEquals(
                await page.getByPlaceholder("Ask AI Agent").count(),
                0,
                "the search offers the AI agent",
              );
              await page.keyboard.press("Escape");
              await search.waitFor({ state: "hidden" });

              // Open other operations from the sidebar.
              for (const title of ["Text completion", "List endpoints and routes as models"]) {
                await page.getByRole("link", { name: title }).or(page.getByRole("button", {
                  name: title,
                })).first().click();
                await page.getByRole("heading", { name: title, exact: true }).first()
                  .waitFor({ state: "visible" });
              }

              // "Test Request" opens the built-in client; "Send" must call the gateway directly.
              await page.getByRole("button", { name: /^Test Request \(get \/v1\/models\)$/ })
                .click();
              const send = page.getByRole("button", { name: /Send .*request to/i }).first();
              await send.waitFor({ state: "visible" });
              const sent = page.waitForRequest(
                (request) => new URL(request.url()).pathname === "/v1/models",
              );
              await send.click();
              const request = await sent;
              assertEquals(new URL(request.url()).origin, gateway.url);
              const response = await request.response();
              assertEquals(response?.status(), 200);
              await page.waitForTimeout(1_000);
              assertEquals(await phoneHomeLabels(page), [], "the client offers these");
              await page.keyboard.press("Escape");
              await page.waitForTimeout(SETTLE_MS);
              assertLocal(seen, host, "after searching, opening operations and sending");
            },
          );
        })(),
        TEST_MS,
        "the browser test",
      );

      await t.step("/favicon.ico is an image", async () => {
        const response = await fetch(`${gateway.url}/favicon.ico`);
        assertEquals(response.status, 200);
        assertStringIncludes(response.headers.get("content-type") ?? "", "image/");
        assertStringIncludes(await response.text(), "<svg");
      });
    } finally {
      await withDeadline(browser?.close() ?? Promise.resolve(), STEP_MS, "closing Chromium")
        .catch(() => {});
      await gateway.stop();
    }
  },
});

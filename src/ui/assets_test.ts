import { gzipSync } from "node:zlib";
import { assert, assertEquals } from "../../tests/assert.ts";
import { UI_ASSETS } from "./assets.ts";
import { ASSETS_PATH, buildAssets } from "./build.ts";

/** What the compressed script and style sheet may weigh together (the aim). */
const BUDGET_BYTES = 300 * 1024;

Deno.test(`${ASSETS_PATH} holds the bundle of src/ui/client/ as it is now`, () => {
  const built = buildAssets();
  const stale = "stale: run `deno run -A src/ui/build.ts`";
  assertEquals(UI_ASSETS.script.name, built.script.name, stale);
  assertEquals(UI_ASSETS.style.name, built.style.name, stale);
  assertEquals(UI_ASSETS.script.text, built.script.text, stale);
  assertEquals(UI_ASSETS.style.text, built.style.text, stale);
});

Deno.test("the dashboard's assets stay small once compressed, and fetch nothing from elsewhere", () => {
  const gzipped = [UI_ASSETS.script, UI_ASSETS.style].map((asset) =>
    gzipSync(asset.text, { level: 9 }).length
  );
  const total = gzipped.reduce((a, b) => a + b, 0);
  assert(total <= BUDGET_BYTES, `${total} bytes gzipped, over ${BUDGET_BYTES}`);
  for (const asset of [UI_ASSETS.script, UI_ASSETS.style]) {
    // No absolute URL to load: no CDN, no font, no analytics (the SVG namespace is no load).
    const urls = asset.text.match(/https?:\/\/[^\s"'`)]+/g) ?? [];
    assertEquals(urls.filter((url) => !url.startsWith("http://www.w3.org/")), [], asset.name);
  }
});

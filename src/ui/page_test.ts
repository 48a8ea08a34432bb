import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { assert, assertEquals, assertStringIncludes } from "../../tests/assert.ts";
import { EncodedAsset, pickEncoding, UI_CSP, uiPage } from "./page.ts";

Deno.test("pickEncoding() prefers br, then gzip, and honours q=0", () => {
  assertEquals(pickEncoding("gzip, deflate, br, zstd"), "br");
  assertEquals(pickEncoding("gzip"), "gzip");
  assertEquals(pickEncoding("br;q=0, gzip;q=0.5"), "gzip");
  assertEquals(pickEncoding("gzip;q=0"), "identity");
  assertEquals(pickEncoding("*"), "gzip");
  assertEquals(pickEncoding(null), "identity");
  assertEquals(pickEncoding("identity"), "identity");
});

Deno.test("EncodedAsset compresses once per encoding, and decompresses to the text", () => {
  const text = "const answer = 42;\n".repeat(200);
  const asset = new EncodedAsset(text);
  const gzip = asset.bytes("gzip");
  assert(gzip.length < text.length / 10);
  assertEquals(new TextDecoder().decode(gunzipSync(gzip)), text);
  assertEquals(new TextDecoder().decode(brotliDecompressSync(asset.bytes("br"))), text);
  assert(asset.bytes("gzip") === gzip, "kept after the first use");
  assertEquals(new TextDecoder().decode(asset.bytes("identity")), text);
});

Deno.test("uiPage() names its assets, says whether to ask for a key, and escapes", () => {
  const page = uiPage({
    version: '1.0 "<b>"',
    auth: true,
    script: "/ui/assets/ui.abc.js",
    style: "/ui/assets/ui.abc.css",
  });
  assertStringIncludes(page, '<script type="module" src="/ui/assets/ui.abc.js"></script>');
  assertStringIncludes(page, '<link rel="stylesheet" href="/ui/assets/ui.abc.css">');
  assertStringIncludes(page, '<meta name="gateway-auth" content="on">');
  assertStringIncludes(page, 'content="1.0 &#34;&#60;b&#62;&#34;"');
  assertStringIncludes(uiPage({ version: "1", auth: false, script: "", style: "" }), '"off"');
});

Deno.test("UI_CSP lets the page load and call its own origin only", () => {
  assertStringIncludes(UI_CSP, "default-src 'none'");
  for (const directive of ["script-src", "style-src", "connect-src"]) {
    assertStringIncludes(UI_CSP, `${directive} 'self'`);
  }
  assert(!UI_CSP.includes("unsafe-inline") && !UI_CSP.includes("http"), UI_CSP);
});

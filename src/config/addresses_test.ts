import { assertEquals } from "../../tests/assert.ts";
import { metadataAddress, metadataUrls } from "./addresses.ts";

Deno.test("metadataAddress() knows link-local and cloud metadata hosts, and nothing else", () => {
  for (
    const host of [
      "169.254.169.254",
      "169.254.0.1",
      "[fe80::1]",
      "[fd00:ec2::254]",
      "100.100.100.200",
      "metadata.google.internal",
      "METADATA.GOOGLE.INTERNAL.",
      new URL("http://[::ffff:169.254.169.254]/").hostname,
    ]
  ) assertEquals(typeof metadataAddress(host), "string", host);
  for (const host of ["127.0.0.1", "10.0.0.1", "api.openai.com", "[::1]", "169.255.0.1"]) {
    assertEquals(metadataAddress(host), undefined, host);
  }
});

Deno.test("metadataUrls() finds a metadata URL anywhere in a config block, with its path", () => {
  const found = metadataUrls({
    openai_api_base: "http://169.254.169.254/latest",
    nested: { list: ["https://api.example.com", "http://metadata.google.internal/v1"] },
    openai_api_key: "sk-not-a-url",
  });
  assertEquals(found.map((w) => w.path), [["openai_api_base"], ["nested", "list", 1]]);
});

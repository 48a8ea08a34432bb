import { assertEquals } from "../../tests/assert.ts";
import { closest, didYouMean, editDistance } from "./suggest.ts";

Deno.test("editDistance() counts an adjacent transposition as one edit", () => {
  assertEquals(editDistance("endpoint_tpye", "endpoint_type"), 1);
  assertEquals(editDistance("", "abc"), 3);
  assertEquals(editDistance("same", "same"), 0);
});

Deno.test("closest() suggests a near key and refuses a far one", () => {
  const keys = ["name", "endpoint_type", "model", "limit"];
  assertEquals(closest("endpoint_typ", keys), "endpoint_type");
  assertEquals(closest("modle", keys), "model");
  assertEquals(closest("completely_different", keys), undefined);
  assertEquals(closest("name", keys), undefined, "an exact match is not a typo");
});

Deno.test("didYouMean() words the hint", () => {
  assertEquals(didYouMean("opnai", ["openai", "mock"]), "did you mean 'openai'?");
});

import { assert, assertEquals } from "../../../tests/assert.ts";
import type { TranslationWarning } from "../../core/provider.ts";
import { ChatRequest } from "../../schemas/chat.ts";
import { CompletionsRequest } from "../../schemas/completions.ts";
import {
  CHAT_ONLY_KEYS,
  copyExtras,
  isNullOrFalse,
  SAMPLING_KEYS,
  stopList,
  warnSingleChoice,
} from "./params.ts";

Deno.test("SAMPLING_KEYS are every field chat and completions requests share, but user", () => {
  for (const key of SAMPLING_KEYS) {
    assert(key in ChatRequest.shape && key in CompletionsRequest.shape, key);
  }
  const shared = Object.keys(CompletionsRequest.shape).filter((key) => key in ChatRequest.shape);
  assertEquals([...SAMPLING_KEYS, "user"].sort(), shared.sort());
  for (const key of CHAT_ONLY_KEYS) {
    assert(key in ChatRequest.shape && !(key in CompletionsRequest.shape), key);
  }
});

Deno.test("copyExtras() copies passthrough fields and warns about unknown ones by provider name", () => {
  const target: Record<string, unknown> = {};
  const warnings: TranslationWarning[] = [];
  copyExtras(
    { temperature: 1, native: "x", odd: 2, unset: undefined },
    { provider: "Acme", known: new Set(["temperature"]), passthrough: new Set(["native"]) },
    target,
    warnings,
  );
  assertEquals(target, { native: "x" });
  assertEquals(warnings, [{
    type: "unsupported",
    param: "odd",
    message: "Acme has no equivalent of 'odd'; it was not sent",
  }]);
});

Deno.test("copyExtras() lets values that ask for nothing pass quietly", () => {
  const warnings: TranslationWarning[] = [];
  copyExtras(
    { a: null, b: false, c: 0 },
    { provider: "Acme", known: new Set(), asksForNothing: isNullOrFalse },
    {},
    warnings,
  );
  assertEquals(warnings.map((w) => w.param), ["c"]);
});

Deno.test("warnSingleChoice() warns only when n asks for more than one choice", () => {
  const warnings: TranslationWarning[] = [];
  warnSingleChoice("Acme", undefined, warnings);
  warnSingleChoice("Acme", 1, warnings);
  warnSingleChoice("Acme", 3, warnings);
  assertEquals(warnings, [{
    type: "unsupported",
    param: "n",
    message: "Acme returns one choice per request; n=3 gave 1",
  }]);
});

Deno.test("stopList() makes a bare stop string a list of one", () => {
  assertEquals(stopList(undefined), undefined);
  assertEquals(stopList("END"), ["END"]);
  assertEquals(stopList(["a", "b"]), ["a", "b"]);
});

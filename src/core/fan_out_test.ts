import { assertEquals } from "../../tests/assert.ts";
import { batchesOf, inBatches, mergeEmbeddings } from "./fan_out.ts";
import type { EmbeddingsResponse } from "../schemas/embeddings.ts";

Deno.test("batchesOf() splits several inputs into batches the provider takes, and leaves one alone", () => {
  assertEquals(
    batchesOf({ input: ["a", "b", "c"], dimensions: 256 }, 2),
    [{ input: ["a", "b"], dimensions: 256 }, { input: ["c"], dimensions: 256 }],
  );
  assertEquals(batchesOf({ input: ["a", "b"] }, 2), undefined);
  assertEquals(batchesOf({ input: "a" }, 1), undefined);
  // one token array is one input; a list of them is several
  assertEquals(batchesOf({ input: [1, 2, 3] }, 1), undefined);
  assertEquals(batchesOf({ input: [[1], [2]] }, 1)?.length, 2);
});

Deno.test("inBatches() keeps the answers in batch order and runs at most `limit` at once", async () => {
  let running = 0;
  let most = 0;
  const answers = await inBatches([30, 10, 20, 5, 1], async (ms) => {
    running++;
    most = Math.max(most, running);
    await new Promise((r) => setTimeout(r, ms));
    running--;
    return ms * 2;
  }, 2);
  assertEquals(answers, [60, 20, 40, 10, 2]);
  assertEquals(most, 2);
});

Deno.test("mergeEmbeddings() numbers vectors by their input's place and sums usage", () => {
  const answer = (vectors: number[][], tokens: number | null): EmbeddingsResponse => ({
    object: "list",
    model: "titan",
    data: vectors.map((embedding, index) => ({ object: "embedding", embedding, index })),
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
  const merged = mergeEmbeddings([answer([[1]], 3), answer([[2]], 4), answer([[3]], 5)]);
  assertEquals(merged.data.map((d) => [d.index, d.embedding]), [[0, [1]], [1, [2]], [2, [3]]]);
  assertEquals(merged.usage, { prompt_tokens: 12, total_tokens: 12 });
  assertEquals(mergeEmbeddings([answer([[1]], 3), answer([[2]], null)]).usage.prompt_tokens, null);
});

import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertEquals } from "../../tests/assert.ts";
import { followFile, type WatchDirectory } from "./follow.ts";

const DEBOUNCE = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (2 s at most) until `count()` reaches `expected`, then a little longer to see no more. */
async function settlesAt(count: () => number, expected: number, message?: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (count() < expected && Date.now() < deadline) await sleep(5);
  await sleep(DEBOUNCE * 3);
  assertEquals(count(), expected, message);
}

/** A directory watcher driven by the test: `emit(dir, name)` is an event in `dir`. */
function fakeWatcher(unwatchable: Set<string> = new Set()) {
  const listeners = new Map<string, (paths: readonly string[] | null) => void>();
  const watch: WatchDirectory = (dir, onEvent) => {
    if (unwatchable.has(dir)) return undefined;
    listeners.set(dir, onEvent);
    return () => listeners.delete(dir);
  };
  return {
    watch,
    watched: () => [...listeners.keys()].sort(),
    emit(dir: string, name: string | null) {
      listeners.get(dir)?.(name === null ? null : [join(dir, name)]);
    },
  };
}

/** Runs `body` with a fresh temporary directory, removed afterwards. */
async function inTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "gateway-follow-"));
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Lays out a ConfigMap mount in `dir`; returns a function that swaps in a new generation. */
function configMap(dir: string): { path: string; swap(generation: number): string } {
  const generation = (n: number) => {
    const name = `..2026_12_02_10_00_0${n}`;
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, "config.yaml"), `version: ${n}\n`);
    return name;
  };
  let current = generation(1);
  symlinkSync(current, join(dir, "..data"));
  symlinkSync("..data/config.yaml", join(dir, "config.yaml"));
  return {
    path: join(dir, "config.yaml"),
    swap(n) {
      const next = generation(n);
      symlinkSync(next, join(dir, "..data_tmp"));
      renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
      rmSync(join(dir, current), { recursive: true });
      current = next;
      return join(dir, next);
    },
  };
}

Deno.test("followFile() watches the link's directory and its target's, and fires for an event naming either", async () => {
  await inTempDir(async (root) => {
    const links = join(root, "links");
    const files = join(root, "files");
    mkdirSync(links);
    mkdirSync(files);
    writeFileSync(join(files, "real.yaml"), "a: 1\n");
    symlinkSync(join(files, "real.yaml"), join(links, "config.yaml"));
    const fake = fakeWatcher();
    let changes = 0;
    const stop = followFile(join(links, "config.yaml"), () => changes++, fake.watch, {
      debounceMs: DEBOUNCE,
    });
    assertEquals(fake.watched(), [files, links]);

    fake.emit(files, "real.yaml");
    await settlesAt(() => changes, 1);
    fake.emit(links, "config.yaml");
    await settlesAt(() => changes, 2);
    fake.emit(files, "other.yaml");
    fake.emit(links, "other.yaml");
    await settlesAt(() => changes, 2, "an unrelated event does not fire while the real path stays");
    fake.emit(files, null);
    await settlesAt(() => changes, 3, "an event that names no file may be the config's");

    stop();
    assertEquals(fake.watched(), []);
  });
});

Deno.test("followFile() fires on a ConfigMap swap, re-points to the new directory and keeps following", async () => {
  await inTempDir(async (dir) => {
    const mount = configMap(dir);
    const fake = fakeWatcher();
    let changes = 0;
    const stop = followFile(mount.path, () => changes++, fake.watch, { debounceMs: DEBOUNCE });
    assertEquals(fake.watched(), [dir, join(dir, "..2026_12_02_10_00_01")]);

    for (const n of [2, 3]) {
      const next = mount.swap(n);
      // What the kubelet's swap shows in the mount directory: no event names config.yaml.
      fake.emit(dir, "..data_tmp");
      fake.emit(dir, "..data");
      await settlesAt(() => changes, n - 1);
      assertEquals(fake.watched(), [dir, next]);
    }

    stop();
    await sleep(DEBOUNCE * 3);
  });
});

Deno.test("followFile() keeps working when the target's directory vanishes, comes back or moves", async () => {
  await inTempDir(async (root) => {
    const files = join(root, "files");
    mkdirSync(files);
    writeFileSync(join(files, "real.yaml"), "a: 1\n");
    symlinkSync(join(files, "real.yaml"), join(root, "config.yaml"));
    const fake = fakeWatcher();
    let changes = 0;
    const stop = followFile(join(root, "config.yaml"), () => changes++, fake.watch, {
      debounceMs: DEBOUNCE,
      retryMs: 30,
    });

    rmSync(files, { recursive: true });
    fake.emit(files, "real.yaml");
    await settlesAt(() => changes, 1, "the deletion fires once (the reloader reports it)");
    assertEquals(fake.watched(), [root], "the deleted directory is no longer watched");

    // Back under the same name, with no event in any watched directory: the retry finds it.
    mkdirSync(files);
    writeFileSync(join(files, "real.yaml"), "a: 2\n");
    await settlesAt(() => changes, 2);
    assertEquals(fake.watched(), [root, files]);

    // Deleted and created again between two looks: the new directory is watched.
    rmSync(files, { recursive: true });
    mkdirSync(files);
    writeFileSync(join(files, "real.yaml"), "a: 3\n");
    fake.emit(files, "real.yaml");
    await settlesAt(() => changes, 3);
    assertEquals(fake.watched(), [root, files]);

    const moved = join(root, "moved");
    mkdirSync(moved);
    writeFileSync(join(moved, "real.yaml"), "a: 4\n");
    rmSync(join(root, "config.yaml"));
    symlinkSync(join(moved, "real.yaml"), join(root, "config.yaml"));
    fake.emit(root, "config.yaml");
    await settlesAt(() => changes, 4);
    assertEquals(fake.watched(), [root, moved]);

    stop();
    await sleep(DEBOUNCE * 3);
  });
});

Deno.test("followFile() survives a directory it cannot watch and a listener that throws", async () => {
  await inTempDir(async (dir) => {
    const mount = configMap(dir);
    const unwatchable = new Set([join(dir, "..2026_12_02_10_00_02")]);
    const fake = fakeWatcher(unwatchable);
    let changes = 0;
    const stop = followFile(
      mount.path,
      () => {
        changes++;
        throw new Error("listener failed");
      },
      fake.watch,
      { debounceMs: DEBOUNCE, retryMs: 30 },
    );

    mount.swap(2);
    fake.emit(dir, "..data");
    await settlesAt(() => changes, 1);
    assertEquals(fake.watched(), [dir]);

    unwatchable.clear();
    await settlesAt(() => changes, 2, "a watcher started late may have missed a change");
    assertEquals(fake.watched(), [dir, join(dir, "..2026_12_02_10_00_02")], "watching is retried");

    stop();
    await sleep(DEBOUNCE * 3);
  });
});

Deno.test("followFile() fires within maxWaitMs while a busy directory never goes quiet", async () => {
  await inTempDir(async (dir) => {
    writeFileSync(join(dir, "config.yaml"), "a: 1\n");
    const fake = fakeWatcher();
    let changes = 0;
    const stop = followFile(join(dir, "config.yaml"), () => changes++, fake.watch, {
      debounceMs: DEBOUNCE,
      maxWaitMs: 60,
    });
    fake.emit(dir, "config.yaml");
    const started = Date.now();
    while (changes === 0 && Date.now() - started < 1000) {
      fake.emit(dir, "busy.log");
      await sleep(2);
    }
    assertEquals(changes, 1);
    const elapsed = Date.now() - started;
    if (elapsed > 500) throw new Error(`fired after ${elapsed} ms, not within maxWaitMs`);

    stop();
    await sleep(DEBOUNCE * 3);
  });
});

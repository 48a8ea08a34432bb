/**
 * Hot reload of a config reached through symlinks: a Kubernetes ConfigMap mount (the `..data`
 * symlink swapped to a new timestamped directory) and a symlink to a file in another directory.
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { startGateway, UNDER_TEST } from "./harness.ts";

function config(...names: string[]): string {
  return `endpoints:\n${
    names.map((name) =>
      `  - name: ${name}
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: mock-${name}, config: {reply: "${name}"}}
`
    ).join("")
  }`;
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function endpointNames(url: string): Promise<string[]> {
  const body = await (await fetch(`${url}/api/2.0/endpoints/`)).json();
  return body.endpoints.map((e: { name: string }) => e.name).sort();
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/**
 * A ConfigMap volume as the kubelet lays it out: `config.yaml -> ..data/config.yaml`,
 * `..data -> ..<timestamp>`; an update writes a new timestamped directory, points `..data_tmp` at
 * it, renames `..data_tmp` over `..data` and deletes the old directory.
 */
class ConfigMapMount {
  readonly dir = Deno.makeTempDirSync({ prefix: "gateway-configmap-" });
  readonly path = `${this.dir}/config.yaml`;
  #generation = 0;
  #current: string;

  constructor(text: string) {
    this.#current = this.#writeGeneration(text);
    Deno.symlinkSync(this.#current, `${this.dir}/..data`);
    Deno.symlinkSync("..data/config.yaml", this.path);
  }

  /** Swaps in a new version of the file the way the kubelet does. */
  update(text: string): void {
    const next = this.#writeGeneration(text);
    Deno.symlinkSync(next, `${this.dir}/..data_tmp`);
    Deno.renameSync(`${this.dir}/..data_tmp`, `${this.dir}/..data`);
    Deno.removeSync(`${this.dir}/${this.#current}`, { recursive: true });
    this.#current = next;
  }

  #writeGeneration(text: string): string {
    this.#generation += 1;
    const name = `..2026_12_02_10_00_0${this.#generation}.123456789`;
    Deno.mkdirSync(`${this.dir}/${name}`);
    Deno.writeTextFileSync(`${this.dir}/${name}/config.yaml`, text);
    return name;
  }
}

Deno.test(`config symlinks: a Kubernetes ConfigMap swap reloads, again and again; an invalid one is rejected (${UNDER_TEST})`, async (t) => {
  const mount = new ConfigMapMount(config("chat"));
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
  try {
    gateway = await startGateway({
      args: ["--config-path", mount.path],
      env: { GATEWAY_LOG_LEVEL: "info" },
    });
    const { url } = gateway;
    const output = gateway.output;
    assertEquals(await endpointNames(url), ["chat"]);

    await t.step("(a) swapping ..data to a new directory reloads the config", async () => {
      mount.update(config("chat", "added-a"));
      await waitFor(async () => (await endpointNames(url)).includes("added-a"));
      await waitFor(() => count(output(), "config reloaded") === 1);
      assertEquals(await endpointNames(url), ["added-a", "chat"]);
    });

    await t.step(
      "(b) a second swap reloads too (the watcher followed the new directory)",
      async () => {
        mount.update(config("chat", "added-b"));
        await waitFor(async () => (await endpointNames(url)).includes("added-b"));
        await waitFor(() => count(output(), "config reloaded") === 2);
        assertEquals(await endpointNames(url), ["added-b", "chat"]);
      },
    );

    await t.step(
      "(d) a swap to an invalid config is rejected and logged; the old config keeps serving",
      async () => {
        mount.update(
          config("chat", "broken").replace(
            /provider: mock(?=, name: mock-broken)/,
            "provider: mokc",
          ),
        );
        await waitFor(() => output().includes("config reload rejected"));
        assertStringIncludes(output(), "unknown provider 'mokc'");
        assertEquals(await endpointNames(url), ["added-b", "chat"]);
        assertEquals(count(output(), "config reloaded"), 2);

        mount.update(config("chat", "added-d"));
        await waitFor(async () => (await endpointNames(url)).includes("added-d"));
      },
    );
    assert(!output().includes("Uncaught"), output());
  } finally {
    await gateway?.stop();
    Deno.removeSync(mount.dir, { recursive: true });
  }
});

Deno.test(`config symlinks: a symlink to a file in another directory follows edits of that file (${UNDER_TEST})`, async (t) => {
  const linkDir = Deno.makeTempDirSync({ prefix: "gateway-link-" });
  const realDir = Deno.makeTempDirSync({ prefix: "gateway-real-" });
  const link = `${linkDir}/config.yaml`;
  const real = `${realDir}/gateway.yaml`;
  Deno.writeTextFileSync(real, config("chat"));
  Deno.symlinkSync(real, link);
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
  try {
    gateway = await startGateway({
      args: ["--config-path", link],
      env: { GATEWAY_LOG_LEVEL: "info" },
    });
    const { url } = gateway;
    const output = gateway.output;

    await t.step("(c) the target rewritten in place reloads", async () => {
      Deno.writeTextFileSync(real, config("chat", "edited"));
      await waitFor(async () => (await endpointNames(url)).includes("edited"));
      await waitFor(() => count(output(), "config reloaded") === 1);
    });

    await t.step("the target replaced by a rename reloads", async () => {
      Deno.writeTextFileSync(`${realDir}/.gateway.yaml.tmp`, config("chat", "renamed"));
      Deno.renameSync(`${realDir}/.gateway.yaml.tmp`, real);
      await waitFor(async () => (await endpointNames(url)).includes("renamed"));
      await waitFor(() => count(output(), "config reloaded") === 2);
    });

    await t.step(
      "the symlink re-pointed to a third directory reloads, and keeps following when that directory is deleted and created again",
      async () => {
        const otherDir = Deno.makeTempDirSync({ prefix: "gateway-other-", dir: realDir });
        Deno.writeTextFileSync(`${otherDir}/gateway.yaml`, config("chat", "moved"));
        Deno.symlinkSync(`${otherDir}/gateway.yaml`, `${linkDir}/.config.yaml.tmp`);
        Deno.renameSync(`${linkDir}/.config.yaml.tmp`, link);
        await waitFor(async () => (await endpointNames(url)).includes("moved"));
        Deno.writeTextFileSync(`${otherDir}/gateway.yaml`, config("chat", "moved-edited"));
        await waitFor(async () => (await endpointNames(url)).includes("moved-edited"));

        // The target's directory deleted, then created again under the same name.
        Deno.removeSync(otherDir, { recursive: true });
        await waitFor(() => output().includes("the file cannot be read"));
        assertEquals(await endpointNames(url), ["chat", "moved-edited"]);
        Deno.mkdirSync(otherDir);
        Deno.writeTextFileSync(`${otherDir}/gateway.yaml`, config("chat", "back"));
        await waitFor(async () => (await endpointNames(url)).includes("back"));
        Deno.writeTextFileSync(`${otherDir}/gateway.yaml`, config("chat", "back-edited"));
        await waitFor(async () => (await endpointNames(url)).includes("back-edited"));
      },
    );
  } finally {
    await gateway?.stop();
    Deno.removeSync(linkDir, { recursive: true });
    Deno.removeSync(realDir, { recursive: true });
  }
});

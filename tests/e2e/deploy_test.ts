/**
 * The deployment files (Dockerfile, deploy/compose.yaml, deploy/kubernetes/) agree with each other
 * and with the gateway: ports, probes, drain times, config mounts, secrets, and configs that pass
 * `gateway validate`. Docker and Kubernetes are not run here; the files are read.
 */
import { parse, parseAllDocuments } from "yaml";
import { fileURLToPath } from "node:url";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { runCli, startGateway, tempFile, UNDER_TEST } from "./harness.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const KUBE = `${ROOT}deploy/kubernetes/`;
const read = (path: string) => Deno.readTextFileSync(`${ROOT}${path}`);

// Only the fields the checks read.
interface Port {
  name?: string;
  containerPort: number;
}
interface Probe {
  httpGet?: { path?: string; port?: number | string };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: Port[];
  envFrom?: { secretRef?: { name: string } }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number }; exec?: unknown } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
  };
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
}
interface Deployment extends Manifest {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        terminationGracePeriodSeconds?: number;
        securityContext?: { runAsNonRoot?: boolean };
        containers: Container[];
        volumes: { name: string; configMap?: { name: string } }[];
      };
    };
  };
}
interface Service extends Manifest {
  spec: {
    selector: Record<string, string>;
    ports: { port: number; targetPort?: number | string }[];
  };
}
interface ConfigMap extends Manifest {
  data: Record<string, string>;
}
interface Secret extends Manifest {
  stringData?: Record<string, string>;
  data?: Record<string, string>;
}
interface Hpa extends Manifest {
  spec: {
    scaleTargetRef: { apiVersion: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics: { type: string; resource?: { name: string } }[];
  };
}
interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  ports?: (string | { published?: string | number })[];
  volumes?: string[];
  environment?: Record<string, string>;
  env_file?: string | string[];
  command?: string[];
}
interface GatewayConfig {
  server?: {
    redis_url?: string;
    store?: string;
    shutdown_grace_seconds?: number;
  };
}

/** Every document of every file the kustomization lists (each file must parse cleanly). */
function kubeManifests(): Manifest[] {
  const kustomization = parse(Deno.readTextFileSync(`${KUBE}kustomization.yaml`)) as {
    resources: string[];
  };
  return kustomization.resources.flatMap((file) => {
    const docs = parseAllDocuments(Deno.readTextFileSync(`${KUBE}${file}`));
    const list = Array.isArray(docs) ? docs : [docs];
    return list.map((doc) => {
      assertEquals(doc.errors.map((e) => e.message), [], `${file} does not parse`);
      return doc.toJS() as Manifest;
    });
  });
}

function only<T extends Manifest>(manifests: Manifest[], kind: string): T {
  const found = manifests.filter((m) => m.kind === kind);
  assertEquals(found.length, 1, `one ${kind} in deploy/kubernetes/`);
  return found[0] as T;
}

/** The value after an option in an argument list. */
function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

/** The `$VAR` / `${VAR}` names a config's values refer to (not its comments). */
function namedEnv(configText: string): string[] {
  const names = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === "string") {
      const name = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(value)?.[1];
      if (name !== undefined) names.add(name);
    } else if (value !== null && typeof value === "object") {
      Object.values(value).forEach(walk);
    }
  };
  walk(parse(configText));
  return [...names].sort();
}

/** Runs `gateway validate --strict` on a config text with exactly the given variables set. */
async function validates(configText: string, env: Record<string, string>): Promise<void> {
  const path = tempFile(configText);
  try {
    const result = await runCli(["validate", "--strict", path], { env });
    assertEquals(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assertMatch(result.stdout, /valid/);
  } finally {
    Deno.removeSync(path);
  }
}

/** The Dockerfile's instructions (continuation lines joined), from its last FROM on. */
function finalStage(): { instruction: string; rest: string }[] {
  const lines = read("Dockerfile").replace(/\\\n/g, " ").split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [instruction = "", ...rest] = line.split(/\s+/);
      return { instruction: instruction.toUpperCase(), rest: rest.join(" ") };
    });
  const from = lines.findLastIndex((line) => line.instruction === "FROM");
  return lines.slice(from);
}

/** The JSON exec form of an instruction (after its --flags, for HEALTHCHECK ... CMD [...]). */
function execForm(text: string): string[] {
  const json = /\[.*\]/.exec(text)?.[0];
  assert(json !== undefined, `exec form (JSON array) expected: ${text}`);
  return JSON.parse(json) as string[];
}

/** The options `gateway start --help` lists. */
async function startOptions(): Promise<Set<string>> {
  const help = await runCli(["start", "--help"]);
  assertEquals(help.code, 0);
  return new Set([...help.stdout.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1] as string));
}

function containerOf(deployment: Deployment): Container {
  const containers = deployment.spec.template.spec.containers;
  assertEquals(containers.length, 1);
  return containers[0] as Container;
}

function gatewayConfigOf(configMap: ConfigMap, configPath: string): string {
  const key = configPath.slice(configPath.lastIndexOf("/") + 1);
  const text = configMap.data[key];
  assert(text !== undefined, `the ConfigMap has no key '${key}' (from --config-path)`);
  return text;
}

Deno.test("deploy: every Kubernetes manifest parses and the kustomization lists them all", () => {
  const manifests = kubeManifests();
  for (const m of manifests) {
    assert(m.apiVersion && m.kind && m.metadata?.name, `apiVersion, kind, name: ${m.kind}`);
  }
  const listed = (parse(Deno.readTextFileSync(`${KUBE}kustomization.yaml`)) as {
    resources: string[];
  }).resources.sort();
  const files = [...Deno.readDirSync(KUBE)].map((e) => e.name)
    .filter((name) => name.endsWith(".yaml") && name !== "kustomization.yaml").sort();
  assertEquals(listed, files);
  const kinds = manifests.map((m) => m.kind).sort();
  assertEquals(kinds, [
    "ConfigMap",
    "Deployment",
    "HorizontalPodAutoscaler",
    "Secret",
    "Service",
  ]);
  for (const file of ["deploy/compose.yaml", "deploy/gateway.yaml"]) {
    const docs = parseAllDocuments(read(file));
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      assertEquals(doc.errors.map((e) => e.message), [], `${file} does not parse`);
    }
  }
});

Deno.test("deploy: the Deployment's port, probes and Service agree with its --port", () => {
  const manifests = kubeManifests();
  const deployment = only<Deployment>(manifests, "Deployment");
  const service = only<Service>(manifests, "Service");
  const container = containerOf(deployment);
  const args = container.args ?? [];
  assertEquals(args[0], "start");
  assertEquals(option(args, "--host"), "0.0.0.0");
  const port = Number(option(args, "--port"));
  const ports = container.ports ?? [];
  assertEquals(ports.map((p) => p.containerPort), [port]);
  const resolve = (p: number | string | undefined) =>
    typeof p === "string" ? ports.find((q) => q.name === p)?.containerPort : p;
  for (const probe of [container.readinessProbe, container.livenessProbe]) {
    assertEquals(probe?.httpGet?.path, "/health");
    assertEquals(resolve(probe?.httpGet?.port), port);
  }
  assertEquals(service.spec.ports.map((p) => resolve(p.targetPort ?? p.port)), [port]);
  // The Service and the Deployment's selector pick the pods the template makes.
  const labels = deployment.spec.template.metadata.labels;
  for (const selector of [service.spec.selector, deployment.spec.selector.matchLabels]) {
    for (const [key, value] of Object.entries(selector)) assertEquals(labels[key], value);
  }
  assertEquals(deployment.spec.replicas, 2);
  assert(container.resources?.requests?.cpu, "a CPU request (the HPA measures against it)");
  assert(container.resources?.limits?.memory, "a memory limit");
});

Deno.test("deploy: preStop sleeps, then the grace period outlasts the gateway's drain", () => {
  const manifests = kubeManifests();
  const deployment = only<Deployment>(manifests, "Deployment");
  const container = containerOf(deployment);
  // No shell in the image: the kubelet's sleep action, not `exec: sleep`.
  assertEquals(container.lifecycle?.preStop?.exec, undefined);
  const sleep = container.lifecycle?.preStop?.sleep?.seconds;
  assert(sleep !== undefined && sleep > 0, "lifecycle.preStop.sleep.seconds");
  const configText = gatewayConfigOf(
    only<ConfigMap>(manifests, "ConfigMap"),
    option(container.args ?? [], "--config-path") ?? "",
  );
  const grace = (parse(configText) as GatewayConfig).server?.shutdown_grace_seconds ?? 30;
  // After the grace the gateway ends open streams and waits up to 2 s more (src/cli/start.ts).
  const termination = deployment.spec.template.spec.terminationGracePeriodSeconds ?? 30;
  assert(
    termination > sleep + grace + 2,
    `terminationGracePeriodSeconds ${termination} <= preStop ${sleep} + drain ${grace} + 2`,
  );
});

Deno.test("deploy: the ConfigMap is mounted as a directory where --config-path points", () => {
  const manifests = kubeManifests();
  const deployment = only<Deployment>(manifests, "Deployment");
  const configMap = only<ConfigMap>(manifests, "ConfigMap");
  const container = containerOf(deployment);
  const configPath = option(container.args ?? [], "--config-path");
  assert(configPath !== undefined, "--config-path in the container's args");
  gatewayConfigOf(configMap, configPath);
  const volume = deployment.spec.template.spec.volumes.find((v) =>
    v.configMap?.name === configMap.metadata.name
  );
  assert(volume !== undefined, "a volume of the ConfigMap");
  const mounts = (container.volumeMounts ?? []).filter((m) => m.name === volume.name);
  assertEquals(mounts.length, 1);
  const mount = mounts[0];
  // A subPath mount is never updated on a ConfigMap change: the directory must be mounted.
  assertEquals(mount?.subPath, undefined);
  assertEquals(
    mount?.mountPath.replace(/\/$/, ""),
    configPath.slice(0, configPath.lastIndexOf("/")),
  );
  assertEquals(mount?.readOnly, true);
});

Deno.test("deploy: the Secret holds exactly the env vars the config names", () => {
  const manifests = kubeManifests();
  const deployment = only<Deployment>(manifests, "Deployment");
  const secret = only<Secret>(manifests, "Secret");
  const container = containerOf(deployment);
  const configText = gatewayConfigOf(
    only<ConfigMap>(manifests, "ConfigMap"),
    option(container.args ?? [], "--config-path") ?? "",
  );
  const keys = Object.keys({ ...secret.data, ...secret.stringData }).sort();
  assertEquals(keys, namedEnv(configText));
  assertEquals(container.envFrom?.map((e) => e.secretRef?.name), [secret.metadata.name]);
});

Deno.test("deploy: the HPA scales the Deployment by CPU", () => {
  const manifests = kubeManifests();
  const deployment = only<Deployment>(manifests, "Deployment");
  const hpa = only<Hpa>(manifests, "HorizontalPodAutoscaler");
  assertEquals(hpa.apiVersion, "autoscaling/v2");
  assertEquals(hpa.spec.scaleTargetRef, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    name: deployment.metadata.name,
  });
  assert((hpa.spec.minReplicas ?? 1) >= 2 && hpa.spec.maxReplicas > (hpa.spec.minReplicas ?? 1));
  assertEquals(hpa.spec.metrics.map((m) => m.resource?.name), ["cpu"]);
});

Deno.test("deploy: the pod runs as non-root on a read-only root filesystem", () => {
  const deployment = only<Deployment>(kubeManifests(), "Deployment");
  const container = containerOf(deployment);
  assertEquals(deployment.spec.template.spec.securityContext?.runAsNonRoot, true);
  assertEquals(container.securityContext?.readOnlyRootFilesystem, true);
  assertEquals(container.securityContext?.allowPrivilegeEscalation, false);
});

Deno.test(`deploy: the ConfigMap's config passes gateway validate (${UNDER_TEST})`, async () => {
  const manifests = kubeManifests();
  const container = containerOf(only<Deployment>(manifests, "Deployment"));
  const configText = gatewayConfigOf(
    only<ConfigMap>(manifests, "ConfigMap"),
    option(container.args ?? [], "--config-path") ?? "",
  );
  // With the Secret's example values: they have the right shapes (URLs, a long enough key).
  await validates(configText, only<Secret>(manifests, "Secret").stringData ?? {});
});

/** The compose file with its YAML merge keys (`<<: *gateway`) applied, as compose does. */
function compose(): { services: Record<string, ComposeService> } {
  return parse(read("deploy/compose.yaml"), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
}

/** deploy/.env.example as a map. */
function envExample(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of read("deploy/.env.example").split("\n")) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) env[match[1] as string] = match[2] as string;
  }
  return env;
}

/** Compose's `${VAR}`, `${VAR:?err}` and `${VAR:-default}` over a map of variables. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([?-])([^}]*))?\}/g,
    (_, name: string, kind?: string, rest?: string) => {
      const value = env[name];
      if (value !== undefined && value !== "") return value;
      if (kind === "-") return rest ?? "";
      throw new Error(`compose needs \${${name}}`);
    },
  );
}

function gatewayServices(services: Record<string, ComposeService>): [string, ComposeService][] {
  return Object.entries(services).filter(([, s]) => {
    const context = typeof s.build === "string" ? s.build : s.build?.context;
    return context === "..";
  });
}

Deno.test("deploy: compose runs two gateways behind one port, with Redis and PostgreSQL", () => {
  const { services } = compose();
  const gateways = gatewayServices(services);
  assertEquals(gateways.length, 2, "two gateway services built from the Dockerfile");
  const published = Object.entries(services).filter(([, s]) => (s.ports ?? []).length > 0);
  assertEquals(published.length, 1, "one service publishes a port");
  const [proxyName, proxy] = published[0] as [string, ComposeService];
  assertEquals(proxy.ports?.length, 1);
  assert(!gateways.some(([name]) => name === proxyName), "the proxy is not a gateway");
  // The proxy's config file (from deploy/) names both gateways on the gateway's port.
  const port = option(
    execForm(finalStage().find((l) => l.instruction === "CMD")?.rest ?? ""),
    "--port",
  );
  const proxyFile = (proxy.volumes ?? []).map((v) => v.split(":")[0] as string)
    .find((source) => source.startsWith("./"));
  assert(proxyFile !== undefined, "the proxy's config is mounted from deploy/");
  const proxyConfig = read(`deploy/${proxyFile.slice(2)}`);
  for (const [name] of gateways) assertMatch(proxyConfig, new RegExp(`\\b${name}:${port}\\b`));
  // Redis and PostgreSQL, reached by service name through the variables the config names.
  const byImage = (prefix: string) =>
    Object.entries(services).find(([, s]) => s.image?.startsWith(prefix))?.[0];
  const redis = byImage("redis:");
  const postgres = byImage("postgres:");
  assert(redis !== undefined && postgres !== undefined, "redis and postgres services");
  const config = parse(read("deploy/gateway.yaml")) as GatewayConfig;
  const variable = (value: string | undefined) => /^\$\{?(\w+)\}?$/.exec(value ?? "")?.[1] ?? "";
  for (const [, gateway] of gateways) {
    const env = gateway.environment ?? {};
    assertMatch(env[variable(config.server?.redis_url)] ?? "", new RegExp(`^redis://${redis}:`));
    assertMatch(
      env[variable(config.server?.store)] ?? "",
      new RegExp(`^postgres://[^@]+@${postgres}:`),
    );
    assertEquals(gateway.env_file, ".env");
    assert(
      (gateway.volumes ?? []).includes("./gateway.yaml:/etc/gateway/config.yaml:ro"),
      "the config is mounted read-only where the image's --config-path points",
    );
  }
});

Deno.test(`deploy: the compose config passes gateway validate (${UNDER_TEST})`, async () => {
  const { services } = compose();
  const example = envExample();
  const [, gateway] = gatewayServices(services)[0] as [string, ComposeService];
  // The environment a gateway container gets: the env file, then compose's `environment`.
  const env: Record<string, string> = { ...example };
  for (const [name, value] of Object.entries(gateway.environment ?? {})) {
    env[name] = interpolate(value, example);
  }
  const configText = read("deploy/gateway.yaml");
  for (const name of namedEnv(configText)) assert(name in env, `compose does not set $${name}`);
  await validates(configText, env);
});

Deno.test(`deploy: the Dockerfile runs the binary as non-root with a health check (${UNDER_TEST})`, async () => {
  const stage = finalStage();
  const one = (instruction: string) => {
    const found = stage.filter((l) => l.instruction === instruction);
    assertEquals(found.length, 1, `one ${instruction} in the final stage`);
    return (found[0] as { rest: string }).rest;
  };
  const base = stage[0]?.rest ?? "";
  const user = stage.find((l) => l.instruction === "USER")?.rest;
  assert(
    user !== undefined ? !["root", "0", "0:0"].includes(user) : base.includes("nonroot"),
    "a non-root user",
  );
  const entrypoint = execForm(one("ENTRYPOINT"));
  const cmd = execForm(one("CMD"));
  const health = execForm(one("HEALTHCHECK"));
  assertEquals(health[0], entrypoint[0]);
  assertEquals(health[1], "health");
  assertEquals(one("EXPOSE"), option(cmd, "--port"));
  assertEquals(option(cmd, "--host"), "0.0.0.0");
  assert(
    stage.some((l) => l.instruction === "COPY" && l.rest.endsWith(` ${entrypoint[0]}`)),
    "the binary is copied to the ENTRYPOINT's path",
  );
  assertMatch(read("Dockerfile"), /deno task compile/);
  // The image and the Deployment start the gateway the same way, with options it has.
  const container = containerOf(only<Deployment>(kubeManifests(), "Deployment"));
  const args = container.args ?? [];
  assertEquals(option(args, "--port"), option(cmd, "--port"));
  assertEquals(option(args, "--config-path"), option(cmd, "--config-path"));
  const known = await startOptions();
  for (const flag of [...cmd, ...args].filter((a) => a.startsWith("--"))) {
    assert(known.has(flag), `gateway start has no ${flag}`);
  }
  // The HEALTHCHECK's own arguments work against a running gateway.
  const running = await startGateway();
  try {
    const result = await runCli([...health.slice(1), "--url", running.url]);
    assertEquals(result.code, 0, result.stderr);
    assertEquals(result.stdout.trim(), "ok");
  } finally {
    await running.stop();
  }
});

/**
 * A throwaway PostgreSQL server for tests: a new cluster in a temporary directory (Debian's
 * `postgresql` package, which .ci/run installs), listening on a free loopback port with trust
 * authentication, stopped and removed by `stop()`. PostgreSQL refuses to run as root, so as root
 * the cluster is run as the `postgres` user.
 */
import { existsSync, readdirSync } from "node:fs";

export interface PostgresServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Debian keeps the server binaries under /usr/lib/postgresql/<major>/bin. */
function binDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => +b - +a);
  return majors.length > 0 ? `${root}/${majors[0]}/bin` : undefined;
}

/** Whether a server can be started here. */
export function postgresAvailable(): boolean {
  return binDir() !== undefined;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function run(cmd: string, args: string[], asPostgres: boolean): Promise<void> {
  const [command, fullArgs] = asPostgres
    ? ["runuser", ["-u", "postgres", "--", cmd, ...args]]
    : [cmd, args];
  const out = await new Deno.Command(command, { args: fullArgs, stdout: "piped", stderr: "piped" })
    .output();
  if (out.code !== 0) {
    throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Starts a new cluster with a database `gateway`; resolves once it accepts connections. */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = binDir();
  if (bin === undefined) {
    throw new Error("PostgreSQL is not installed (apt-get install postgresql)");
  }
  const asPostgres = Deno.uid() === 0;
  const dir = Deno.makeTempDirSync({ prefix: "gateway-pg-" });
  if (asPostgres) await run("chown", ["postgres:postgres", dir], false);
  const data = `${dir}/data`;
  await run(`${bin}/initdb`, ["-D", data, "-A", "trust", "-U", "gateway", "--no-sync"], asPostgres);
  const port = freePort();
  const args = [
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    dir,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "fsync=off",
  ];
  const [command, fullArgs] = asPostgres
    ? ["runuser", ["-u", "postgres", "--", `${bin}/postgres`, ...args]]
    : [`${bin}/postgres`, args];
  const child = new Deno.Command(command, { args: fullArgs, stdout: "null", stderr: "piped" })
    .spawn();
  const stderr = child.stderr.getReader();
  // Drain the log so the server never blocks on a full pipe.
  void (async () => {
    while (!(await stderr.read()).done) { /* discard */ }
  })();
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await run(`${bin}/pg_isready`, ["-h", "127.0.0.1", "-p", String(port)], false);
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await run(
    `${bin}/createdb`,
    ["-h", "127.0.0.1", "-p", String(port), "-U", "gateway", "gateway"],
    false,
  );
  return {
    url: `postgres://gateway@127.0.0.1:${port}/gateway`,
    port,
    stop: async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // gone already
      }
      await child.status;
      Deno.removeSync(dir, { recursive: true });
    },
  };
}

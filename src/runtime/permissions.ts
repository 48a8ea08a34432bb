/**
 * What the gateway may do under Deno's permission model: the flags every Deno run of it uses
 * (`deno task start`, the Deno e2e run, a worker's re-exec, the released `deno compile`
 * binaries; a test checks they agree), and the narrowing `gateway start` does once it knows its
 * config. The Bun binary has no permission model: these limits hold for the Deno builds only.
 */

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined" &&
  typeof (globalThis as { Bun?: unknown }).Bun === "undefined";

/**
 * Network (upstreams and the listener are named by the config), environment (provider keys as
 * `$VAR`), read (the config, key and certificate files it names), write and run (narrowed at
 * start: see `narrowPermissions`). Nothing else: no FFI, no system information, no code
 * imported at run time. `--unstable-net` is for the TLS listener's SO_REUSEPORT.
 * `--unstable-no-legacy-abort`: a request's signal aborts only when its client goes away (what
 * the gateway reads it for: a 499 and an upstream call cancelled), not also after every answer;
 * without it Deno 2.9 prints a notice about that on the first request.
 */
export const DENO_PERMISSION_FLAGS: readonly string[] = [
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--unstable-net",
  "--unstable-no-legacy-abort",
];

/** What a started gateway still needs after its config is known. */
export interface PermissionNeeds {
  /** It writes files: a SQLite store, an audit log file, or the workers' shared metrics. */
  write: boolean;
  /** It starts processes: only a `--workers N` supervisor (re-running this program). */
  run: boolean;
}

/**
 * Gives up, for the rest of this process, the write and run permissions the config does not
 * need (a no-op outside Deno). Why at run time: a compiled binary's flags are fixed when it is
 * built, before anyone knows where its store or audit log will be.
 */
export function narrowPermissions(needs: PermissionNeeds): string[] {
  if (!isDeno) return [];
  const given: string[] = [];
  for (const name of ["write", "run"] as const) {
    if (needs[name]) continue;
    const state = Deno.permissions.querySync({ name }).state;
    if (state === "denied") continue;
    Deno.permissions.revokeSync({ name });
    given.push(name);
  }
  return given;
}

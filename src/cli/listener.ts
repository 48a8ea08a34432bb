/**
 * The server's listening socket, renewed when its TLS certificate changes: a new listener on the
 * same port (SO_REUSEPORT) takes new connections at once, and the old one finishes its requests
 * and closes. Neither runtime swaps a certificate in a running server, and a restart would drop
 * connections; this drops none.
 */
import { type RunningServer, serve, type ServeOptions } from "../runtime/mod.ts";
import type { Logger } from "../observe/logs.ts";

export type TlsFiles = { cert: string; key: string };

export class Listener {
  #server: RunningServer;
  /** Old listeners still finishing their requests. */
  readonly #draining = new Set<Promise<void>>();

  private constructor(server: RunningServer, private readonly options: ServeOptions) {
    this.#server = server;
  }

  /** Listens (throws BindError when it cannot). */
  static async open(options: ServeOptions): Promise<Listener> {
    return new Listener(await serve(options), options);
  }

  get hostname(): string {
    return this.#server.hostname;
  }

  get port(): number {
    return this.#server.port;
  }

  /**
   * Serves `tls` from now on when it differs from the current certificate: a new listener first,
   * then the old one drains. Needs a listener opened with `reusePort`.
   */
  async renew(tls: TlsFiles, logger: Logger): Promise<void> {
    const current = this.options.tls;
    if (current !== undefined && current.cert === tls.cert && current.key === tls.key) return;
    let next: RunningServer;
    try {
      next = await serve({ ...this.options, port: this.#server.port, tls });
    } catch (error) {
      logger.error("the new TLS certificate could not be served; still serving the old one", {
        error: (error as Error).message,
      });
      return;
    }
    const old = this.#server;
    this.#server = next;
    this.options.tls = tls;
    const draining = old.shutdown().catch(() => {}).finally(() => this.#draining.delete(draining));
    this.#draining.add(draining);
    logger.info("serving a new TLS certificate");
  }

  /** Stops taking connections; resolves once every request in flight (old listeners' too) ended. */
  async shutdown(): Promise<void> {
    await Promise.all([this.#server.shutdown(), ...this.#draining]);
  }
}

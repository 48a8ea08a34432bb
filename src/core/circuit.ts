/**
 * Circuit breaking per endpoint: after N failed upstream attempts in a row the endpoint is
 * skipped for a cooldown, then one probe request decides whether it closes again.
 */

export interface CircuitSettings {
  /** Consecutive failures that open the circuit. */
  failures: number;
  cooldownSeconds: number;
}

export type CircuitState = "closed" | "open" | "half_open";

interface Circuit {
  failures: number;
  openedAt: number | null;
  probing: boolean;
}

export type Admission = { allowed: true; probe: boolean } | { allowed: false; retryAfter: number };

// The answer for nearly every call, shared rather than made per call.
const ADMITTED: Admission = Object.freeze({ allowed: true, probe: false });

/** The circuits of all endpoints of one gateway. */
export class CircuitBreakers {
  #circuits = new Map<string, Circuit>();

  /** `now` is monotonic by default: a wall-clock jump must not open or close circuits. */
  constructor(
    private settings: CircuitSettings,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** New settings (config reload); circuit states are kept. */
  configure(settings: CircuitSettings): void {
    this.settings = settings;
  }

  #circuit(endpoint: string): Circuit {
    let circuit = this.#circuits.get(endpoint);
    if (!circuit) {
      circuit = { failures: 0, openedAt: null, probing: false };
      this.#circuits.set(endpoint, circuit);
    }
    return circuit;
  }

  /** Whether a call may go to the endpoint now; after the cooldown only one probe goes. */
  admit(endpoint: string): Admission {
    const circuit = this.#circuits.get(endpoint);
    if (!circuit || circuit.openedAt === null) return ADMITTED;
    const left = circuit.openedAt + this.settings.cooldownSeconds * 1000 - this.now();
    if (left > 0) return { allowed: false, retryAfter: Math.max(1, Math.ceil(left / 1000)) };
    if (circuit.probing) return { allowed: false, retryAfter: 1 };
    circuit.probing = true;
    return { allowed: true, probe: true };
  }

  /** The upstream answered (even with a client error): the circuit closes. */
  success(endpoint: string): void {
    const circuit = this.#circuits.get(endpoint);
    if (circuit) {
      circuit.failures = 0;
      circuit.openedAt = null;
      circuit.probing = false;
    }
  }

  /** A failed attempt (5xx, timeout, connection error); opens the circuit at the threshold. */
  failure(endpoint: string): void {
    const circuit = this.#circuit(endpoint);
    circuit.failures++;
    if (
      circuit.probing || (circuit.openedAt === null && circuit.failures >= this.settings.failures)
    ) {
      circuit.openedAt = this.now();
    }
    circuit.probing = false;
  }

  /** An attempt ended without telling whether the upstream is healthy (e.g. the client left). */
  release(endpoint: string): void {
    const circuit = this.#circuits.get(endpoint);
    if (circuit) circuit.probing = false;
  }

  state(
    endpoint: string,
  ): { state: CircuitState; consecutive_failures: number; retry_after?: number } {
    const circuit = this.#circuits.get(endpoint);
    if (!circuit || circuit.openedAt === null) {
      return { state: "closed", consecutive_failures: circuit?.failures ?? 0 };
    }
    const left = circuit.openedAt + this.settings.cooldownSeconds * 1000 - this.now();
    return left > 0
      ? {
        state: "open",
        consecutive_failures: circuit.failures,
        retry_after: Math.ceil(left / 1000),
      }
      : { state: "half_open", consecutive_failures: circuit.failures };
  }
}

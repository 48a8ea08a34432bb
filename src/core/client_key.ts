/**
 * A client key as the core applies it: which endpoints and routes it may call, its own rate
 * limit and its budget. Authentication finds it; the dispatcher enforces it.
 */
import type { Budget } from "../config/schema.ts";
import type { LimitSubject } from "./limits.ts";

export interface ClientKey {
  readonly name: string;
  /** The secret's SHA-256 (hex): the only form the gateway keeps. */
  readonly sha256: string;
  readonly admin: boolean;
  /** The endpoints and routes it may call; null: all. */
  readonly endpoints: ReadonlySet<string> | null;
  /** Its rate limit, counted for the key across all endpoints. */
  readonly limit: LimitSubject | undefined;
  readonly budget: Budget | null;
  /** Where it was defined: the config, or the store (created at run time). */
  readonly source: "config" | "store";
}

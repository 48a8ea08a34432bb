/**
 * Client key secrets: made at random, known to the gateway only by their SHA-256, compared in
 * constant time.
 */
import { nodeCrypto } from "../core/node_crypto.ts";
import { Buffer } from "node:buffer";

/** The SHA-256 of a secret, in lowercase hex. */
export function sha256Hex(secret: string): string {
  return nodeCrypto().createHash("sha256").update(secret).digest("hex");
}

/** A new secret: `gw-` and 32 random bytes, URL-safe. */
export function newSecret(): string {
  return `gw-${nodeCrypto().randomBytes(32).toString("base64url")}`;
}

/** Whether two hex digests are equal, in time that does not depend on where they differ. */
export function sameDigest(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return nodeCrypto().timingSafeEqual(Buffer.from(a, "hex"), Buffer.from(b, "hex"));
}

/**
 * Base URLs that point at a link-local or cloud metadata address: no LLM API is served there,
 * and a request to one can read the machine's cloud credentials. `validate` and `start` warn.
 */

/** Host names of cloud metadata services. */
const METADATA_HOSTS = new Set([
  "metadata",
  "metadata.google.internal",
  "metadata.goog",
  "instance-data",
  "instance-data.ec2.internal",
]);

/** Why `host` (as URL.hostname gives it) is a metadata or link-local address, if it is one. */
export function metadataAddress(host: string): string | undefined {
  const name = host.toLowerCase().replace(/\.$/, "");
  if (METADATA_HOSTS.has(name)) return "a cloud metadata service";
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(name);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    if (a === 169 && b === 254) return "a link-local address (where cloud metadata services live)";
    if (name === "100.100.100.200") return "a cloud metadata service";
    return undefined;
  }
  const v6 = name.replace(/^\[|\]$/g, "");
  if (/^fe[89ab][0-9a-f]?:/.test(v6)) return "a link-local address";
  if (v6 === "fd00:ec2::254") return "a cloud metadata service";
  // An IPv4 address written inside IPv6 (::ffff:169.254.169.254, as URL gives it in hex).
  if (/^::ffff:a9fe:/.test(v6)) return "a link-local address (where cloud metadata services live)";
  return undefined;
}

/** One warning: the path of the value (below the config block) and what it points at. */
export interface AddressWarning {
  path: (string | number)[];
  url: string;
  why: string;
}

/** Every http(s) URL in a provider's config block that points at a metadata address. */
export function metadataUrls(value: unknown, path: (string | number)[] = []): AddressWarning[] {
  if (typeof value === "string") {
    if (!/^https?:\/\//i.test(value)) return [];
    let host: string;
    try {
      host = new URL(value).hostname;
    } catch {
      return [];
    }
    const why = metadataAddress(host);
    return why === undefined ? [] : [{ path, url: value, why }];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => metadataUrls(item, [...path, i]));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => metadataUrls(item, [...path, key]));
  }
  return [];
}

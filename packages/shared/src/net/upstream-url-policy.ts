import { classifyAddress, classifyHostName, judgeCategory, type AddressCategory, type UpstreamAddressPolicy } from './upstream-address-policy.ts';

/**
 * What a provider base URL says about where the gateway would connect, before any lookup:
 * - `refused`: never acceptable (not http(s), credentials in it, or a host the policy refuses);
 * - `address`: the host is an IP literal the policy allows: nothing to resolve;
 * - `name`: a host name the policy does not refuse by name; its resolved addresses decide.
 */
export type UpstreamUrlVerdict =
  | { readonly kind: 'refused'; readonly problem: 'not_http' | 'credentials' | 'address'; readonly category?: Exclude<AddressCategory, 'public'> }
  | { readonly kind: 'address'; readonly address: string; readonly category: AddressCategory }
  | { readonly kind: 'name'; readonly hostName: string; readonly category: AddressCategory | null };

/**
 * Checks a base URL against `policy` by its text alone. The host comes from the WHATWG URL
 * parser, which is also what undici connects with, so every spelling it accepts of an IPv4
 * address is normalised before the check: `http://2852039166/`, `http://0xa9.0xfe.0xa9.0xfe/`,
 * `http://0251.0376.0251.0376/` and `http://169.254.169.254./` all have host 169.254.169.254,
 * and `[::ffff:169.254.169.254]` becomes `[::ffff:a9fe:a9fe]`, which the classifier unwraps.
 * A string the parser rejects is `not_http`.
 */
export function checkUpstreamUrl(text: string, policy: UpstreamAddressPolicy): UpstreamUrlVerdict {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { kind: 'refused', problem: 'not_http' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { kind: 'refused', problem: 'not_http' };
  // Credentials belong in the sealed credential; in a URL they end up in logs and snapshots.
  if (url.username !== '' || url.password !== '') return { kind: 'refused', problem: 'credentials' };
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const addressCategory = classifyAddress(host);
  if (addressCategory !== null) {
    const verdict = judgeCategory(addressCategory, policy);
    return verdict.allowed ? { kind: 'address', address: host, category: addressCategory } : { kind: 'refused', problem: 'address', category: verdict.category };
  }
  const nameCategory = classifyHostName(host);
  if (nameCategory !== null) {
    const verdict = judgeCategory(nameCategory, policy);
    if (!verdict.allowed) return { kind: 'refused', problem: 'address', category: verdict.category };
  }
  return { kind: 'name', hostName: host, category: nameCategory };
}

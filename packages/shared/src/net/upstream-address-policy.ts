import { BlockList, isIP } from 'node:net';

/**
 * Which kind of network an IP address belongs to, for deciding whether the gateway may open a
 * connection to it on a provider's behalf (server-side request forgery: a provider base URL is
 * a URL an admin, or whoever holds an admin token, chooses, and the gateway dials it).
 *
 * - `cloud_metadata`: instance metadata services (AWS/GCP/Azure/Oracle 169.254.169.254, AWS
 *   IPv6 fd00:ec2::254, Alibaba 100.100.100.200, Azure WireServer 168.63.129.16). They hand out
 *   cloud credentials to anything on the machine that asks.
 * - `link_local`: 169.254/16, fe80::/10 (where most metadata services live).
 * - `unspecified`: 0.0.0.0/8, `::` (connecting to 0.0.0.0 reaches this host on Linux).
 * - `multicast`, `reserved`: never a provider (documentation, benchmarking-free reserved, 240/4,
 *   broadcast, discard-only, Teredo, IPv4-compatible IPv6).
 * - `loopback`: 127/8, ::1 (local models, the mock).
 * - `private`: RFC 1918, CGNAT 100.64/10, 198.18/15, ULA fc00::/7, site-local fec0::/10 and
 *   local-use NAT64 64:ff9b:1::/48 (vLLM or Ollama on the company network).
 */
export type AddressCategory = 'public' | 'loopback' | 'private' | 'link_local' | 'cloud_metadata' | 'unspecified' | 'multicast' | 'reserved';

/** What an operator allows beyond public addresses. Link-local, metadata, unspecified, multicast and reserved are refused always. */
export interface UpstreamAddressPolicy {
  /** Loopback addresses (local models on the same machine; `relay start` allows them for the mock). */
  readonly allowLoopback: boolean;
  /** Private ranges (RFC 1918, CGNAT, ULA): models on the internal network. */
  readonly allowPrivate: boolean;
}

/** The decision for one address or host name. */
export type AddressVerdict =
  | { readonly allowed: true; readonly category: AddressCategory }
  | { readonly allowed: false; readonly category: Exclude<AddressCategory, 'public'> };

type Rule = readonly [address: string, prefixBits: number];

/**
 * IPv4 ranges per category, most specific first (a metadata address inside link-local or
 * CGNAT must be found as metadata). Sources: IANA IPv4 Special-Purpose Address Registry
 * (RFC 6890), cloud providers' instance metadata documentation.
 */
const IPV4_RULES: ReadonlyArray<readonly [Exclude<AddressCategory, 'public'>, readonly Rule[]]> = [
  ['cloud_metadata', [['169.254.169.254', 32], ['100.100.100.200', 32], ['168.63.129.16', 32], ['192.0.0.192', 32]]],
  ['unspecified', [['0.0.0.0', 8]]],
  ['loopback', [['127.0.0.0', 8]]],
  ['link_local', [['169.254.0.0', 16]]],
  ['multicast', [['224.0.0.0', 4]]],
  ['reserved', [['240.0.0.0', 4], ['192.0.0.0', 24], ['192.0.2.0', 24], ['198.51.100.0', 24], ['203.0.113.0', 24]]],
  ['private', [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10], ['198.18.0.0', 15]]],
];

/** IPv6-only ranges, in the same precedence. IPv4-mapped (::ffff:0:0/96) is matched by the IPv4 rules themselves. */
const IPV6_RULES: ReadonlyArray<readonly [Exclude<AddressCategory, 'public'>, readonly Rule[]]> = [
  ['cloud_metadata', [['fd00:ec2::254', 128]]],
  ['unspecified', [['::', 128]]],
  ['loopback', [['::1', 128]]],
  ['link_local', [['fe80::', 10]]],
  ['multicast', [['ff00::', 8]]],
  // ::/96 is IPv4-compatible IPv6 (deprecated, RFC 4291); 100::/64 discard-only; 2001::/32 Teredo
  // (its embedded address is obfuscated, so it cannot be checked); 2001:db8::/32 documentation.
  ['reserved', [['::', 96], ['100::', 64], ['2001::', 32], ['2001:db8::', 32]]],
  ['private', [['fc00::', 7], ['fec0::', 10], ['64:ff9b:1::', 48]]],
];

/** Two hex groups of an IPv4 address, e.g. 169.254.0.0 → `a9fe:0`, to build its NAT64 and 6to4 forms. */
function ipv4AsHexGroups(address: string): string {
  const [a = 0, b = 0, c = 0, d = 0] = address.split('.').map(Number);
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/**
 * One BlockList per category. Node's `net.BlockList` does the prefix matching (and matches an
 * IPv4-mapped IPv6 address such as ::ffff:127.0.0.1 against IPv4 rules), so no bit arithmetic
 * of our own decides what is refused; `ipaddr.js` is not in the workspace and would add a
 * dependency for what Node already ships. IPv6 forms that embed an IPv4 address BlockList does
 * not unwrap, NAT64 (64:ff9b::/96, RFC 6052) and 6to4 (2002::/16, RFC 3056), get each IPv4 rule
 * translated into their prefix, so 64:ff9b::a9fe:a9fe is metadata like 169.254.169.254.
 */
const CATEGORY_LISTS: ReadonlyArray<readonly [Exclude<AddressCategory, 'public'>, BlockList]> = (() => {
  const lists = new Map<Exclude<AddressCategory, 'public'>, BlockList>();
  const listFor = (category: Exclude<AddressCategory, 'public'>) => lists.get(category) ?? lists.set(category, new BlockList()).get(category)!;
  for (const [category, rules] of IPV4_RULES) {
    const list = listFor(category);
    for (const [address, bits] of rules) {
      list.addSubnet(address, bits, 'ipv4');
      list.addSubnet(`64:ff9b::${ipv4AsHexGroups(address)}`, 96 + bits, 'ipv6');
      list.addSubnet(`2002:${ipv4AsHexGroups(address)}::`, 16 + bits, 'ipv6');
    }
  }
  for (const [category, rules] of IPV6_RULES) {
    const list = listFor(category);
    for (const [address, bits] of rules) list.addSubnet(address, bits, 'ipv6');
  }
  // Checked in the order the rule tables give: the first category that matches wins.
  const order = [...new Set([...IPV4_RULES, ...IPV6_RULES].map(([category]) => category))];
  return order.map((category) => [category, lists.get(category)!] as const);
})();

/** Host names of metadata services (GCP, AWS, Tencent), compared lower-case without a trailing dot. */
const METADATA_HOST_NAMES: ReadonlySet<string> = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.tencentyun.com',
]);

/**
 * The category of an IP address (dotted IPv4, or IPv6 with or without brackets and zone id);
 * null when `address` is not an IP address. Only canonical dotted IPv4 is recognised here:
 * URLs normalise `2852039166` or `0xa9.0xfe.0xa9.0xfe` first (see upstream-url-policy.ts).
 */
export function classifyAddress(address: string): AddressCategory | null {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  // A zone id (fe80::1%eth0) is not understood by BlockList, which then matches nothing.
  const ip = bare.includes('%') ? bare.slice(0, bare.indexOf('%')) : bare;
  const family = isIP(ip);
  if (family === 0) return null;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [category, list] of CATEGORY_LISTS) if (list.check(ip, type)) return category;
  return 'public';
}

/**
 * The category a host name has before any lookup: a metadata service name, or `localhost` and
 * `*.localhost`, which RFC 6761 §6.3 reserves for loopback; null for any other name (only its
 * resolved addresses can tell).
 */
export function classifyHostName(hostName: string): AddressCategory | null {
  const name = hostName.toLowerCase().replace(/\.$/, '');
  if (METADATA_HOST_NAMES.has(name)) return 'cloud_metadata';
  if (name === 'localhost' || name.endsWith('.localhost')) return 'loopback';
  return null;
}

/** Applies `policy` to a category. */
export function judgeCategory(category: AddressCategory, policy: UpstreamAddressPolicy): AddressVerdict {
  if (category === 'public') return { allowed: true, category };
  if (category === 'loopback' && policy.allowLoopback) return { allowed: true, category };
  if (category === 'private' && policy.allowPrivate) return { allowed: true, category };
  return { allowed: false, category };
}

/** Applies `policy` to an IP address; throws on something that is not one (a resolver's answer always is). */
export function checkAddress(address: string, policy: UpstreamAddressPolicy): AddressVerdict {
  const category = classifyAddress(address);
  if (category === null) throw new TypeError('checkAddress expects an IP address');
  return judgeCategory(category, policy);
}

/** True for the categories no configuration allows. */
export function isAlwaysRefused(category: AddressCategory): boolean {
  return category !== 'public' && category !== 'loopback' && category !== 'private';
}

const CATEGORY_WORDS: Record<AddressCategory, string> = {
  public: 'a public address',
  loopback: 'a loopback address',
  private: 'a private network address',
  link_local: 'a link-local address',
  cloud_metadata: 'a cloud metadata service',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
};

/** A category in words for messages ("a link-local address"); never the address itself. */
export function describeCategory(category: AddressCategory): string {
  return CATEGORY_WORDS[category];
}

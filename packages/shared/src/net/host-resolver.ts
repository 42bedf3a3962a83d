import { lookup } from 'node:dns/promises';
import { checkAddress, type AddressCategory, type UpstreamAddressPolicy } from './upstream-address-policy.ts';

/** One address a host name resolves to. */
export interface ResolvedAddress {
  readonly address: string;
  /** 4 or 6. */
  readonly family: number;
}

/**
 * Resolves a host name to every address it has. Injected wherever a provider's host is
 * resolved, so tests answer with a stub (and rebind it) instead of asking real DNS.
 */
export type HostResolver = (hostName: string) => Promise<readonly ResolvedAddress[]>;

/**
 * The system resolver, as `net.connect` would use it (getaddrinfo: /etc/hosts, then DNS), with
 * every address, in the resolver's order.
 */
export const systemHostResolver: HostResolver = (hostName) => lookup(hostName, { all: true, verbatim: true });

/**
 * The first resolved address `policy` refuses, with its category; null when all are allowed.
 * One refused address refuses the name: a connection may go to any of them (happy eyeballs,
 * retries), and a name that answers both a public and a metadata address is an attack.
 */
export function firstRefusedAddress(
  addresses: readonly ResolvedAddress[],
  policy: UpstreamAddressPolicy,
): { address: string; category: Exclude<AddressCategory, 'public'> } | null {
  for (const { address } of addresses) {
    const verdict = checkAddress(address, policy);
    if (!verdict.allowed) return { address, category: verdict.category };
  }
  return null;
}

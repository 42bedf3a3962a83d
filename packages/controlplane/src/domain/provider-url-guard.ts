import { firstRefusedAddress, type HostResolver } from '@proxystacks/shared/net/host-resolver';
import { describeCategory, isAlwaysRefused, type AddressCategory, type UpstreamAddressPolicy } from '@proxystacks/shared/net/upstream-address-policy';
import { checkUpstreamUrl } from '@proxystacks/shared/net/upstream-url-policy';
import { InputError } from './input-error.ts';

/** How the control plane checks a provider base URL: the configured policy and a resolver (a stub in tests). */
export interface ProviderUrlGuard {
  readonly policy: UpstreamAddressPolicy;
  readonly resolve: HostResolver;
}

/**
 * Refuses a provider base URL that points, by its text or by what its host resolves to now, at
 * an address the policy refuses (link-local and cloud metadata always; loopback and private
 * ranges unless PROVIDER_URL_ALLOW_LOOPBACK / PROVIDER_URL_ALLOW_PRIVATE). Throws an InputError
 * on `field` (`baseUrl` for providers, `webhookUrl` for budget alert webhooks, which follow the
 * same policy) whose message names the kind of address, never the URL or the address.
 *
 * A host name that does not resolve here (NXDOMAIN, no DNS) is accepted on the text check
 * alone: the data plane may run in another network where it does resolve, and it checks the
 * resolved address again on every connection (DNS rebinding), so accepting costs no safety.
 * Refusing would block a valid setup such as a data plane next to a private model server.
 */
export async function assertProviderUrlAllowed(baseUrl: string, guard: ProviderUrlGuard, field = 'baseUrl'): Promise<void> {
  const verdict = checkUpstreamUrl(baseUrl, guard.policy);
  if (verdict.kind === 'refused') {
    if (verdict.problem === 'not_http') throw new InputError(`${field}: must be an http:// or https:// URL`, 'BAD_USER_INPUT', field);
    if (verdict.problem === 'credentials') throw new InputError(`${field}: must not contain a user name or password`, 'BAD_USER_INPUT', field);
    throw refusal(field, 'points at', verdict.category ?? 'reserved');
  }
  if (verdict.kind === 'address') return;
  let addresses: Awaited<ReturnType<HostResolver>>;
  try {
    addresses = await guard.resolve(verdict.hostName);
  } catch {
    return;
  }
  const refused = firstRefusedAddress(addresses, guard.policy);
  if (refused !== null) throw refusal(field, 'has a host that resolves to', refused.category);
}

function refusal(field: string, how: string, category: Exclude<AddressCategory, 'public'>): InputError {
  const why = isAlwaysRefused(category)
    ? 'which is never allowed'
    : `which this control plane does not allow (set ${category === 'loopback' ? 'PROVIDER_URL_ALLOW_LOOPBACK' : 'PROVIDER_URL_ALLOW_PRIVATE'}=true for models on ${category === 'loopback' ? 'this machine' : 'your network'})`;
  return new InputError(`${field}: ${how} ${describeCategory(category)}, ${why}.`, 'BAD_USER_INPUT', field);
}

import type { CompiledDeployment } from '../snapshot/compiled-snapshot.ts';

/**
 * The deployments of one alias that serve keys of `environment`, in the given (priority) order:
 * the alias's deployments for exactly that environment when it has any, else its deployments
 * for every environment (`environment` ''); then, of those, only the ones whose provider is
 * enabled in that environment (a provider with an empty list serves every environment).
 *
 * Provider filtering comes after the choice on purpose: an alias that names a staging route
 * means "staging runs there", so a staging key whose staging providers are all switched off
 * gets no deployment (404) rather than silently falling back to the production ones.
 * Run at snapshot compile time for every environment that has keys; the hot path only reads.
 */
export function environmentDeployments(deployments: readonly CompiledDeployment[], environment: string): CompiledDeployment[] {
  const own = deployments.filter((d) => d.environment === environment);
  const chosen = own.length > 0 ? own : deployments.filter((d) => d.environment === '');
  return chosen.filter((d) => d.provider.environments.length === 0 || d.provider.environments.includes(environment));
}

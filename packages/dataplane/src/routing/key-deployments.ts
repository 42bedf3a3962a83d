import { RelayError } from '@proxystacks/shared/errors/relay-error';
import { routeDeployments, type CompiledDeployment, type CompiledKey, type CompiledRoute } from '../snapshot/compiled-snapshot.ts';

/**
 * The deployments `key` may use for the requested `model` (the alias's route, or undefined when
 * the organisation has no such alias), in priority order, or the refusal:
 * - `model_not_allowed` (403) when the key has an allow-list without this alias. Checked before
 *   existence, so a restricted key cannot probe which other aliases exist; the message does not
 *   list the aliases it may use either.
 * - `model_not_found` (404) when the alias does not exist, or has no deployment for the key's
 *   environment (environmentDeployments).
 */
export function keyDeployments(key: CompiledKey, route: CompiledRoute | undefined, model: string): readonly CompiledDeployment[] {
  if (key.allowed !== null && !key.allowed.has(model)) {
    throw new RelayError('model_not_allowed', `This API key may not use the model '${model}'.`, { param: 'model' });
  }
  if (route === undefined) {
    throw new RelayError('model_not_found', `The model '${model}' does not exist or you do not have access to it.`, { param: 'model' });
  }
  const deployments = routeDeployments(route, key.environment);
  if (deployments.length === 0) {
    throw new RelayError('model_not_found', `The model '${model}' is not available in this environment (${key.environment}).`, { param: 'model' });
  }
  return deployments;
}

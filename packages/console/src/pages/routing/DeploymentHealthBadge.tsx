import { Show, type JSX } from 'solid-js';
import { describeDeploymentHealth } from './deployment-health-badge.ts';
import type { DeploymentHealthRow } from './deployment-health.graphql.ts';

/**
 * A deployment's health: the state as a word in a coloured badge, its error rate and latency,
 * and the details (last error, reopening) as a tooltip that screen readers get as text too.
 */
export function DeploymentHealthBadge(props: { health: DeploymentHealthRow | undefined; testId: string }): JSX.Element {
  const badge = () => describeDeploymentHealth(props.health);
  return (
    <span class="deployment-health" title={badge().tooltip} data-testid={props.testId} data-state={badge().tone}>
      <span class={`badge badge-health-${badge().tone}`}>{badge().label}</span>
      <Show when={badge().figures !== ''}>
        {' '}
        <span class="muted">{badge().figures}</span>
      </Show>
      <span class="visually-hidden"> {badge().tooltip}</span>
    </span>
  );
}

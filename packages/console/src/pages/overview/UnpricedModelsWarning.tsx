import { createQuery } from '@urql/solid';
import { Show, type JSX } from 'solid-js';
import type { TimeRange } from '../../lib/time-range.ts';
import { PricingCoverageQuery } from './overview.graphql.ts';

/**
 * Warns about upstream models that served requests in the range but have no pricing rule: their
 * requests are recorded at $0, so spend is understated. The API has no "unpriced" flag per model;
 * a request's `pricingRuleId` is null when no rule priced it, and pricing rules are keyed by the
 * upstream model, so the models served are compared with the models priced.
 */
export function UnpricedModelsWarning(props: { range: TimeRange }): JSX.Element {
  const [coverage] = createQuery({ query: PricingCoverageQuery, variables: () => props.range, requestPolicy: 'cache-and-network' });
  const unpriced = (): string[] => {
    const data = coverage.data;
    if (data === undefined) return [];
    const priced = new Set(data.pricingRules.map((rule) => rule.model));
    return data.served.rows.filter((row) => row.key !== '' && !priced.has(row.key)).map((row) => row.key);
  };
  return (
    <Show when={unpriced().length > 0}>
      <div class="banner banner-warning" role="status" data-testid="unpriced-models">
        No price for {unpriced().join(', ')}: requests to {unpriced().length === 1 ? 'this model' : 'these models'} are recorded at $0.00,
        so spend is understated. Add a price on the Routing page.
      </div>
    </Show>
  );
}

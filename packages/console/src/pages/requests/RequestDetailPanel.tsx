import { For, Show, type JSX } from 'solid-js';
import { CopyButton } from '../../components/CopyButton.tsx';
import { Money } from '../../components/Money.tsx';
import { formatDateTimeSeconds } from '../../lib/format-date.ts';
import { formatCount, formatLatencyMs } from '../../lib/format-number.ts';
import { RequestAttempts } from './RequestAttempts.tsx';
import { RequestOutcome } from './RequestOutcome.tsx';
import type { ConfigNamesData, RequestDetail } from './requests.graphql.ts';

/** One fact of the detail list: a label, and its value for a request (with the config's names when known). */
interface Fact {
  id: string;
  label: string;
  value: (request: RequestDetail, names: ConfigNamesData | undefined) => JSX.Element;
  /** Takes the whole row under its label on a phone (a list too wide for the value column). */
  wide?: boolean;
}

/** A fresh node each time: a Solid JSX value is one DOM node, and reusing it would move it. */
const none = (): JSX.Element => <span class="muted">—</span>;

const FACTS: readonly Fact[] = [
  { id: 'request-id', label: 'Request id', value: (r) => <code>{r.requestId}</code> },
  {
    id: 'time',
    label: 'Time',
    value: (r) => <time datetime={r.ts}>{`${formatDateTimeSeconds(r.ts)} (${r.ts})`}</time>,
  },
  { id: 'status', label: 'Status', value: (r) => <RequestOutcome statusCode={r.statusCode} errorCode={r.errorCode} /> },
  { id: 'error-code', label: 'Error code', value: (r) => optionalCode(r.errorCode) },
  { id: 'upstream-error-code', label: 'Upstream error code', value: (r) => optionalCode(r.upstreamErrorCode) },
  {
    id: 'key',
    label: 'Key',
    value: (r) =>
      r.keyId === null ? <span class="muted">No key (refused before authentication)</span> : `${r.keyName ?? 'Unknown key'} (${r.keyPrefix ?? r.keyId}${r.keyPrefix === null ? '' : '…'})`,
  },
  { id: 'model', label: 'Model', value: (r) => r.model },
  { id: 'team', label: 'Team / project', value: (r) => (r.projectName === null ? none() : `${r.teamName ?? 'Unknown team'} / ${r.projectName} / ${r.environment ?? '—'}`) },
  { id: 'provider', label: 'Provider', value: (r, names) => providerName(r, names) },
  { id: 'upstream-model', label: 'Upstream model', value: (r) => r.upstreamModel ?? none() },
  { id: 'attempts', label: 'Attempts', value: (r) => <RequestAttempts request={r} />, wide: true },
  {
    id: 'tokens',
    label: 'Tokens',
    value: (r) =>
      `${formatCount(r.promptTokens)} prompt (${formatCount(r.cachedTokens)} cached), ${formatCount(r.completionTokens)} completion; usage from ${r.usageSource}`,
  },
  { id: 'cost', label: 'Cost', value: (r) => <Money micros={r.costMicros} /> },
  {
    id: 'pricing-rule',
    label: 'Pricing rule',
    value: (r, names) => pricingRuleName(r, names),
  },
  { id: 'latency', label: 'Latency', value: (r) => formatLatencyMs(r.latencyMs) },
  { id: 'ttft', label: 'Time to first token', value: (r) => formatLatencyMs(r.ttftMs) },
  { id: 'stream-end', label: 'Stream end', value: (r) => (r.streamed ? (r.streamEnd ?? none()) : <span class="muted">Not streamed</span>) },
  { id: 'finish-reason', label: 'Finish reason', value: (r) => r.finishReason ?? none() },
  { id: 'snapshot-version', label: 'Config snapshot', value: (r) => `version ${r.snapshotVersion}` },
];

function optionalCode(code: string | null): JSX.Element {
  return code === null ? none() : <code>{code}</code>;
}

/** `Mock provider (mock)`; the id only when the viewer may not read providers (names come from organization config). */
function providerName(r: RequestDetail, names: ConfigNamesData | undefined): JSX.Element {
  if (r.providerId === null) return none();
  const name = names?.providers.find((p) => p.id === r.providerId)?.name;
  return name === undefined ? `${r.providerType ?? 'unknown'} (${r.providerId})` : `${name} (${r.providerType ?? 'unknown'})`;
}

/** `Mock provider / mock-1, version 1`, the rule's id when its name is not readable, or "Not priced". */
function pricingRuleName(r: RequestDetail, names: ConfigNamesData | undefined): JSX.Element {
  if (r.pricingRuleId === null) return <span class="muted">Not priced</span>;
  const rule = names?.pricingRules.find((p) => p.id === r.pricingRuleId);
  const label = rule === undefined ? r.pricingRuleId : `${rule.provider.name} / ${rule.model}`;
  return `${label}, version ${r.pricingRuleVersion ?? rule?.version ?? '—'}`;
}

/** Everything known about one request, as a definition list; each value has a test id. */
export function RequestDetailPanel(props: { request: RequestDetail; names: ConfigNamesData | undefined; onClose(): void }): JSX.Element {
  const unpriced = (): boolean => props.request.pricingRuleId === null && props.request.statusCode < 400;
  return (
    <section class="panel" aria-labelledby="request-detail-title" data-testid="request-detail">
      <div class="panel-header">
        <h2 id="request-detail-title">Request detail</h2>
        <CopyButton text={props.request.requestId} label="Copy request id" testId="copy-request-id" />
        <button type="button" class="button button-small" onClick={() => props.onClose()} data-testid="close-request-detail">
          Close
        </button>
      </div>
      <Show when={unpriced()}>
        <div class="banner banner-warning" role="status" data-testid="detail-unpriced">
          No price for {props.request.upstreamModel ?? props.request.model}: this request is recorded at $0.00. Add a price on the Routing page.
        </div>
      </Show>
      <dl class="facts">
        <For each={FACTS}>
          {(fact) => (
            <>
              <dt>{fact.label}</dt>
              <dd classList={{ 'fact-wide': fact.wide === true }} data-testid={`detail-${fact.id}`}>{fact.value(props.request, props.names)}</dd>
            </>
          )}
        </For>
      </dl>
    </section>
  );
}

import { For, type JSX } from 'solid-js';
import { Money } from '../../components/Money.tsx';
import { formatDateTimeSeconds } from '../../lib/format-date.ts';
import { formatCount, formatLatencyMs } from '../../lib/format-number.ts';
import { RequestOutcome } from './RequestOutcome.tsx';
import type { RequestDetail } from './requests.graphql.ts';

/** One fact of the detail list: a label, and its value for a request. */
interface Fact {
  id: string;
  label: string;
  value: (request: RequestDetail) => JSX.Element;
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
  { id: 'provider', label: 'Provider', value: (r) => (r.providerId === null ? none() : `${r.providerType ?? 'unknown'} (${r.providerId})`) },
  { id: 'upstream-model', label: 'Upstream model', value: (r) => r.upstreamModel ?? none() },
  { id: 'attempts', label: 'Attempts', value: (r) => formatCount(r.attempts) },
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
    value: (r) => (r.pricingRuleId === null ? <span class="muted">Not priced</span> : `${r.pricingRuleId}, version ${r.pricingRuleVersion ?? '—'}`),
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

/** Everything known about one request, as a definition list; each value has a test id. */
export function RequestDetailPanel(props: { request: RequestDetail; onClose(): void }): JSX.Element {
  return (
    <section class="panel" aria-labelledby="request-detail-title" data-testid="request-detail">
      <div class="panel-header">
        <h2 id="request-detail-title">Request detail</h2>
        <button type="button" class="button button-small" onClick={() => props.onClose()} data-testid="close-request-detail">
          Close
        </button>
      </div>
      <dl class="facts">
        <For each={FACTS}>
          {(fact) => (
            <>
              <dt>{fact.label}</dt>
              <dd data-testid={`detail-${fact.id}`}>{fact.value(props.request)}</dd>
            </>
          )}
        </For>
      </dl>
    </section>
  );
}

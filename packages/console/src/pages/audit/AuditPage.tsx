import { createQuery, useClient } from '@urql/solid';
import { For, Show, createEffect, createSignal, on, type JSX } from 'solid-js';
import { DataTable, type Column } from '../../components/DataTable.tsx';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { Loading } from '../../components/Loading.tsx';
import { describeError, type ErrorDescription } from '../../graphql/describe-error.ts';
import { formatDateTime } from '../../lib/format-date.ts';
import { AUDIT_OBJECT_TYPES, auditFilterOf, diffAudit, type AuditFilterForm } from './audit-view.ts';
import { AuditEntriesQuery, type AuditEntryRow, type AuditFilter } from './audit.graphql.ts';

/** Entries per page; "Load more" fetches the next page from the cursor. */
const PAGE_SIZE = 50;
const EMPTY_FORM: AuditFilterForm = { objectType: '', action: '', actor: '', from: '', to: '' };

/** The audit trail: who changed what and when, filtered, a page at a time, with each change's before/after. */
export function AuditPage(): JSX.Element {
  const client = useClient();
  const [form, setForm] = createSignal<AuditFilterForm>(EMPTY_FORM);
  const [filter, setFilter] = createSignal<AuditFilter>({});
  const [formError, setFormError] = createSignal<ErrorDescription | null>(null);
  const [first] = createQuery({
    query: AuditEntriesQuery,
    variables: () => ({ filter: filter(), first: PAGE_SIZE, after: null }),
    requestPolicy: 'network-only',
  });
  // Later pages, appended below the first; reset whenever the filter (and so the first page) changes.
  const [more, setMore] = createSignal<AuditEntryRow[]>([]);
  const [cursor, setCursor] = createSignal<string | null>(null);
  const [loadingMore, setLoadingMore] = createSignal(false);
  const [moreError, setMoreError] = createSignal<ErrorDescription | null>(null);
  const [open, setOpen] = createSignal<AuditEntryRow | null>(null);
  createEffect(
    on(
      () => first.data,
      (data) => {
        setMore([]);
        setCursor(data?.auditEntries.nextCursor ?? null);
      },
    ),
  );

  const apply = (event: SubmitEvent): void => {
    event.preventDefault();
    const checked = auditFilterOf(form());
    if (!checked.ok) {
      setFormError({ message: checked.message, code: null });
      return;
    }
    setFormError(null);
    setOpen(null);
    setFilter(checked.filter);
  };
  const loadMore = async (): Promise<void> => {
    const after = cursor();
    if (after === null) return;
    setLoadingMore(true);
    const result = await client.query(AuditEntriesQuery, { filter: filter(), first: PAGE_SIZE, after }, { requestPolicy: 'network-only' }).toPromise();
    setLoadingMore(false);
    if (result.data === undefined) {
      setMoreError(result.error === undefined ? { message: 'Could not load more entries.', code: null } : describeError(result.error));
      return;
    }
    setMoreError(null);
    setMore((rows) => [...rows, ...result.data!.auditEntries.entries]);
    setCursor(result.data.auditEntries.nextCursor);
  };
  const rows = (): AuditEntryRow[] => [...(first.data?.auditEntries.entries ?? []), ...more()];
  const field = (name: keyof AuditFilterForm) => (event: { currentTarget: { value: string } }) => setForm((f) => ({ ...f, [name]: event.currentTarget.value }));

  const columns: Column<AuditEntryRow>[] = [
    { id: 'at', header: 'When', cell: (e) => <time datetime={e.at}>{formatDateTime(e.at)}</time> },
    { id: 'actor', header: 'Who', cell: (e) => <span title={`${e.actorType} ${e.actorId}`}>{e.actorLabel}</span> },
    { id: 'action', header: 'Action', cell: (e) => <code>{e.action}</code> },
    {
      id: 'object',
      header: 'Object',
      cell: (e) => (
        <span>
          {e.objectType} <code class="muted">{e.objectId}</code>
        </span>
      ),
    },
    { id: 'request', header: 'Request', cell: (e) => <span class="muted">{e.requestId} {e.clientAddress}</span> },
    {
      id: 'changes',
      header: 'Changes',
      cell: (e) => (
        <button type="button" class="button button-small" onClick={() => setOpen(open()?.id === e.id ? null : e)} aria-expanded={open()?.id === e.id} data-testid={`audit-diff-${e.id}`}>
          {open()?.id === e.id ? 'Hide' : 'Show'}
        </button>
      ),
    },
  ];

  return (
    <section class="page" aria-labelledby="audit-title">
      <h1 id="audit-title">Audit trail</h1>
      <p class="lead">Every change, who made it (user or API token), when, from where, and the object before and after. Secrets are never recorded.</p>
      <form class="form form-inline" onSubmit={apply} novalidate aria-label="Filter the audit trail" data-testid="audit-filter">
        <div class="field">
          <label for="audit-object-type">Object type</label>
          <select id="audit-object-type" onChange={field('objectType')} data-testid="audit-object-type">
            <option value="">Any</option>
            <For each={AUDIT_OBJECT_TYPES}>{(type) => <option value={type} selected={form().objectType === type}>{type}</option>}</For>
          </select>
        </div>
        <div class="field">
          <label for="audit-action">Action</label>
          <input id="audit-action" type="text" placeholder="revokeKey" value={form().action} onInput={field('action')} data-testid="audit-action" />
        </div>
        <div class="field">
          <label for="audit-actor">Actor id</label>
          <input id="audit-actor" type="text" value={form().actor} onInput={field('actor')} data-testid="audit-actor" />
        </div>
        <div class="field">
          <label for="audit-from">From</label>
          <input id="audit-from" type="datetime-local" value={form().from} onInput={field('from')} data-testid="audit-from" />
        </div>
        <div class="field">
          <label for="audit-to">To</label>
          <input id="audit-to" type="datetime-local" value={form().to} onInput={field('to')} data-testid="audit-to" />
        </div>
        <button type="submit" class="button button-primary" data-testid="audit-apply">
          Apply
        </button>
        <ErrorBanner error={formError()} testId="audit-filter-error" />
      </form>
      <ErrorBanner error={first.error === undefined ? null : describeError(first.error)} testId="audit-error" />
      <Show when={first.data} fallback={<Show when={first.error === undefined}><Loading label="Loading the audit trail…" /></Show>}>
        <DataTable caption="Audit entries, newest first" columns={columns} rows={rows()} emptyText="No entries match." rowTestId={(e) => `audit-row-${e.id}`} testId="audit-table" />
        <Show when={cursor() !== null}>
          <button type="button" class="button" onClick={() => void loadMore()} disabled={loadingMore()} data-testid="audit-load-more">
            {loadingMore() ? 'Loading…' : 'Load more'}
          </button>
        </Show>
        <ErrorBanner error={moreError()} testId="audit-more-error" />
      </Show>
      <Show when={open()}>{(entry) => <AuditDiff entry={entry()} />}</Show>
    </section>
  );
}

function AuditDiff(props: { entry: AuditEntryRow }): JSX.Element {
  return (
    <section class="panel" aria-labelledby="audit-diff-title" data-testid="audit-diff">
      <h2 id="audit-diff-title">
        {props.entry.action} on {props.entry.objectType} <code>{props.entry.objectId}</code>
      </h2>
      <table class="data-table diff-table">
        <caption>Before and after, field by field</caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          <For each={diffAudit(props.entry.before, props.entry.after)}>
            {(row) => (
              <tr class={`diff-${row.change}`} data-testid={`audit-diff-field-${row.field}`} data-change={row.change}>
                <th scope="row">{row.field}</th>
                <td>
                  <code>{row.before}</code>
                </td>
                <td>
                  <code>{row.after}</code>
                </td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </section>
  );
}

import { createQuery } from '@urql/solid';
import { Show, createEffect, createSignal, type JSX } from 'solid-js';
import { can } from '../../auth/permissions.ts';
import { useViewer } from '../../auth/use-viewer.ts';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { createSubmission } from '../../graphql/create-submission.ts';
import { LimitsDetails } from '../limits/LimitsDetails.tsx';
import { OrganizationQuery, SetOrganizationTimeZoneMutation } from '../limits/limits.graphql.ts';

/** True when the browser knows `zone` as an IANA time zone (the server checks again). */
function isKnownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Organization-wide settings: the time zone budget windows follow, and the organization's budgets. */
export function OrganizationSettings(): JSX.Element {
  const viewer = useViewer();
  const [org, refetch] = createQuery({ query: OrganizationQuery, pause: () => !can(viewer(), 'config:read', null) });
  const setZone = createSubmission(SetOrganizationTimeZoneMutation, 'The time zone was not changed.', () => refetch({ requestPolicy: 'network-only' }));
  const [zone, setZoneText] = createSignal('');
  const [invalid, setInvalid] = createSignal<string | null>(null);
  createEffect(() => {
    const current = org.data?.organization.timeZone;
    if (current !== undefined) setZoneText(current);
  });
  const submit = (event: SubmitEvent): void => {
    event.preventDefault();
    const text = zone().trim();
    if (!isKnownZone(text)) return void setInvalid(`"${text}" is not a time zone this browser knows; use an IANA name such as Europe/Berlin.`);
    setInvalid(null);
    void setZone.run({ timeZone: text });
  };
  return (
    <Show when={org.data?.organization}>
      {(organization) => (
        <section class="panel" aria-labelledby="organization-title" data-testid="organization-settings">
          <h2 id="organization-title">{organization().name}</h2>
          <p class="help">
            Budget windows (days, ISO weeks, months) start at midnight in <strong data-testid="organization-time-zone">{organization().timeZone}</strong>.
          </p>
          <Show when={can(viewer(), 'config:write', null)}>
            <form class="form form-inline" novalidate onSubmit={submit} data-testid="time-zone-form">
              <div class="field">
                <label for="time-zone-input">Time zone</label>
                <input id="time-zone-input" autocomplete="off" value={zone()} onInput={(e) => setZoneText(e.currentTarget.value)} data-testid="time-zone-input" />
              </div>
              <button type="submit" class="button button-primary" disabled={setZone.busy()} data-testid="time-zone-save">
                Save time zone
              </button>
              <ErrorBanner error={invalid() === null ? setZone.error() : { message: invalid()!, code: null }} testId="time-zone-error" />
            </form>
          </Show>
          <LimitsDetails scope="ORGANIZATION" scopeId={organization().id} teamId={null} summary="Organization budgets" />
        </section>
      )}
    </Show>
  );
}

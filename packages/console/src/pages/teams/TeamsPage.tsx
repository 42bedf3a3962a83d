import { createQuery } from '@urql/solid';
import { For, Show, createSignal, type JSX } from 'solid-js';
import { can, teamsWhere } from '../../auth/permissions.ts';
import { useViewer } from '../../auth/use-viewer.ts';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { Loading } from '../../components/Loading.tsx';
import { createSubmission } from '../../graphql/create-submission.ts';
import { describeError, type ErrorDescription } from '../../graphql/describe-error.ts';
import { LimitsDetails } from '../limits/LimitsDetails.tsx';
import { AddEnvironmentForm } from './AddEnvironmentForm.tsx';
import { OrganizationSettings } from './OrganizationSettings.tsx';
import { checkDisplayName } from './tenancy-names.ts';
import { CreateEnvironmentMutation, CreateProjectMutation, CreateTeamMutation, TeamTreeQuery, type TeamNode } from './teams.graphql.ts';

// Creating the first project of a team names no cached Project yet: list the types so it refetches.
const TEAMS_CONTEXT = { additionalTypenames: ['Team', 'Project', 'Environment'] };

/** Teams → projects → environments, with the forms the viewer's role allows. */
export function TeamsPage(): JSX.Element {
  const viewer = useViewer();
  const [tree, refetch] = createQuery({ query: TeamTreeQuery, context: TEAMS_CONTEXT, requestPolicy: 'cache-and-network' });
  const refresh = (): void => refetch({ requestPolicy: 'network-only' });
  const createTeam = createSubmission(CreateTeamMutation, 'The team was not created.', refresh);
  const createProject = createSubmission(CreateProjectMutation, 'The project was not created.', refresh);
  const createEnvironment = createSubmission(CreateEnvironmentMutation, 'The environment was not created.', refresh);
  const teams = (): TeamNode[] => tree.data?.teams ?? [];
  const writableTeams = (): TeamNode[] => teamsWhere(viewer(), 'config:write', teams());

  return (
    <section class="page" aria-labelledby="teams-title">
      <h1 id="teams-title">Teams, projects and environments</h1>
      <p class="lead">
        Every key belongs to one environment of one project of one team. Each project has production, staging and
        development; more environments can be named.
      </p>
      <div class="toolbar">
        <Show when={can(viewer(), 'config:write', null)}>
          <NameForm
            id="create-team"
            title="Create a team"
            label="Team name"
            what="team"
            busy={createTeam.busy()}
            error={createTeam.error()}
            onSubmit={(name) => createTeam.run({ input: { name } })}
          />
        </Show>
        <Show when={writableTeams().length > 0}>
          <CreateProjectForm teams={writableTeams()} busy={createProject.busy()} error={createProject.error()} onCreate={(input) => createProject.run({ input })} />
        </Show>
      </div>
      <OrganizationSettings />
      <ErrorBanner error={tree.error === undefined ? null : describeError(tree.error)} testId="teams-error" />
      <Show when={tree.data} fallback={<Show when={tree.error === undefined}><Loading label="Loading teams…" /></Show>}>
        <For each={teams()} fallback={<p class="muted">No teams you can see.</p>}>
          {(team) => (
            <section class="panel" aria-labelledby={`team-${team.id}`} data-testid={`team-${team.id}`}>
              <h2 id={`team-${team.id}`}>{team.name}</h2>
              <LimitsDetails scope="TEAM" scopeId={team.id} teamId={team.id} summary={`Limits and budgets of ${team.name}`} />
              <table class="data-table">
                <caption>Projects of {team.name}</caption>
                <thead>
                  <tr>
                    <th scope="col">Project</th>
                    <th scope="col">Environments</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={team.projects} fallback={<tr><td class="empty" colSpan={2}>No projects yet.</td></tr>}>
                    {(project) => (
                      <tr data-testid={`project-row-${project.id}`}>
                        <td data-column="project">
                          {project.name}
                          <LimitsDetails scope="PROJECT" scopeId={project.id} teamId={team.id} />
                        </td>
                        <td data-column="environments">
                          <ul class="chip-list">
                            <For each={project.environments}>{(env) => <li class="chip" data-testid={`environment-${env.id}`}>{env.name}</li>}</For>
                          </ul>
                          <Show when={can(viewer(), 'config:write', team.id)}>
                            <AddEnvironmentForm
                              projectId={project.id}
                              projectName={project.name}
                              busy={createEnvironment.busy()}
                              onCreate={async (name) => {
                                const ok = await createEnvironment.run({ input: { projectId: project.id, name } });
                                return ok ? null : createEnvironment.error();
                              }}
                            />
                          </Show>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </section>
          )}
        </For>
      </Show>
    </section>
  );
}

function CreateProjectForm(props: {
  teams: readonly TeamNode[];
  busy: boolean;
  error: ErrorDescription | null;
  onCreate(input: { teamId: string; name: string }): Promise<boolean>;
}): JSX.Element {
  const [teamId, setTeamId] = createSignal('');
  const selected = (): string => (props.teams.some((t) => t.id === teamId()) ? teamId() : (props.teams[0]?.id ?? ''));
  return (
    <NameForm
      id="create-project"
      title="Create a project"
      label="Project name"
      what="project"
      busy={props.busy}
      error={props.error}
      onSubmit={(name) => props.onCreate({ teamId: selected(), name })}
    >
      <div class="field">
        <label for="create-project-team">Team</label>
        <select id="create-project-team" onChange={(event) => setTeamId(event.currentTarget.value)} data-testid="create-project-team">
          <For each={props.teams}>
            {(team) => (
              <option value={team.id} selected={team.id === selected()}>
                {team.name}
              </option>
            )}
          </For>
        </select>
      </div>
    </NameForm>
  );
}

/** A one-name form (team, project) with optional extra fields before the name. */
function NameForm(props: {
  id: string;
  title: string;
  label: string;
  what: 'team' | 'project';
  busy: boolean;
  error: ErrorDescription | null;
  onSubmit(name: string): Promise<boolean>;
  children?: JSX.Element;
}): JSX.Element {
  const [name, setName] = createSignal('');
  const [invalid, setInvalid] = createSignal<ErrorDescription | null>(null);
  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const checked = checkDisplayName(name(), props.what);
    if (!checked.ok) {
      setInvalid({ message: checked.message, code: null });
      return;
    }
    setInvalid(null);
    if (await props.onSubmit(checked.name)) setName('');
  };
  return (
    <form class="form form-inline" onSubmit={(event) => void submit(event)} novalidate aria-labelledby={`${props.id}-title`} data-testid={`${props.id}-form`}>
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      {props.children}
      <div class="field">
        <label for={`${props.id}-name`}>{props.label}</label>
        <input
          id={`${props.id}-name`}
          type="text"
          autocomplete="off"
          maxLength={200}
          value={name()}
          onInput={(event) => setName(event.currentTarget.value)}
          aria-invalid={invalid() !== null}
          data-testid={`${props.id}-name`}
        />
      </div>
      <button type="submit" class="button button-primary" disabled={props.busy} data-testid={`${props.id}-button`}>
        {props.busy ? 'Creating…' : 'Create'}
      </button>
      <ErrorBanner error={invalid() ?? props.error} testId={`${props.id}-error`} />
    </form>
  );
}

import { For, type JSX } from 'solid-js';
import { environmentNamesOf } from '../lib/environment-names.ts';
import { projectChoices, projectsInScope, withTeam, type ScopeFilter, type ScopeTree } from '../lib/scope-filter.ts';

/** Props of {@link ScopeFilterFields}. */
export interface ScopeFilterFieldsProps {
  /** The teams the viewer may see on this page, with their projects and environments. */
  teams: ScopeTree;
  value: ScopeFilter;
  onChange(filter: ScopeFilter): void;
}

/**
 * Team, project and environment pickers for the analytics pages. Only what the viewer may see
 * is offered; the environment is a name (`staging`), so it adds up that stage across projects
 * unless a project is chosen too.
 */
export function ScopeFilterFields(props: ScopeFilterFieldsProps): JSX.Element {
  const environments = (): string[] =>
    environmentNamesOf([{ projects: projectsInScope(props.value, props.teams) }], props.value.environment === null ? [] : [props.value.environment]);
  return (
    <>
      <div class="field field-inline">
        <label for="scope-team">Team</label>
        <select id="scope-team" onChange={(event) => props.onChange(withTeam(props.value, event.currentTarget.value || null, props.teams))} data-testid="scope-team">
          <option value="" selected={props.value.teamId === null}>
            All teams
          </option>
          <For each={props.teams}>{(team) => <option value={team.id} selected={team.id === props.value.teamId}>{team.name}</option>}</For>
        </select>
      </div>
      <div class="field field-inline">
        <label for="scope-project">Project</label>
        <select id="scope-project" onChange={(event) => props.onChange({ ...props.value, projectId: event.currentTarget.value || null })} data-testid="scope-project">
          <option value="" selected={props.value.projectId === null}>
            All projects
          </option>
          <For each={projectChoices(props.value, props.teams)}>
            {(project) => (
              <option value={project.id} selected={project.id === props.value.projectId}>
                {project.label}
              </option>
            )}
          </For>
        </select>
      </div>
      <div class="field field-inline">
        <label for="scope-environment">Environment</label>
        <select id="scope-environment" onChange={(event) => props.onChange({ ...props.value, environment: event.currentTarget.value || null })} data-testid="scope-environment">
          <option value="" selected={props.value.environment === null}>
            All environments
          </option>
          <For each={environments()}>{(name) => <option value={name} selected={name === props.value.environment}>{name}</option>}</For>
        </select>
      </div>
    </>
  );
}

import { For, type JSX } from 'solid-js';
import type { Role } from '@proxystacks/shared/auth/roles';
import { roleLabel } from '../auth/permissions.ts';

/**
 * Role and scope selects for a grant or a token: a role from `roles`, on the whole organization
 * ('' — offered only when `orgAllowed`) or on one of `teams`.
 */
export function RoleScopeFields(props: {
  idPrefix: string;
  roles: readonly Role[];
  role: Role;
  onRole(role: Role): void;
  teams: readonly { id: string; name: string }[];
  orgAllowed: boolean;
  teamId: string;
  onTeam(teamId: string): void;
}): JSX.Element {
  return (
    <>
      <div class="field">
        <label for={`${props.idPrefix}-role`}>Role</label>
        <select id={`${props.idPrefix}-role`} onChange={(event) => props.onRole(event.currentTarget.value as Role)} data-testid={`${props.idPrefix}-role`}>
          <For each={props.roles}>{(role) => <option value={role} selected={role === props.role}>{roleLabel(role)}</option>}</For>
        </select>
      </div>
      <div class="field">
        <label for={`${props.idPrefix}-team`}>On</label>
        <select id={`${props.idPrefix}-team`} onChange={(event) => props.onTeam(event.currentTarget.value)} data-testid={`${props.idPrefix}-team`}>
          {props.orgAllowed ? <option value="" selected={props.teamId === ''}>The whole organization</option> : null}
          <For each={props.teams}>{(team) => <option value={team.id} selected={team.id === props.teamId}>Team {team.name}</option>}</For>
        </select>
      </div>
    </>
  );
}

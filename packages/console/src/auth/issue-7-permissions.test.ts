import { describe, expect, it } from 'vitest';
import { ROLE_PERMISSIONS } from '@proxystacks/shared/auth/roles';
import { assignableRoles, can, canSomewhere, isTeamScoped, roleLabel, teamsWhere } from './permissions.ts';

const TEAM_A = 'team-a';
const TEAM_B = 'team-b';
const orgWide = (role: 'OWNER' | 'ADMIN' | 'ANALYST' | 'VIEWER') => ({ grants: [{ role, teamId: null }] });

describe('can (console copy of the server rule)', () => {
  it('gives each org-wide role exactly the permissions of the shared table', () => {
    expect(can(orgWide('OWNER'), 'members:manage', null)).toBe(true);
    expect(can(orgWide('ADMIN'), 'members:manage', null)).toBe(false);
    expect(can(orgWide('ADMIN'), 'config:write', TEAM_A)).toBe(true);
    expect(can(orgWide('ADMIN'), 'tokens:manage', null)).toBe(true);
    expect(can(orgWide('ANALYST'), 'config:write', TEAM_A)).toBe(false);
    expect(can(orgWide('ANALYST'), 'requests:read', TEAM_A)).toBe(true);
    expect(can(orgWide('ANALYST'), 'audit:read', null)).toBe(true);
    expect(can(orgWide('VIEWER'), 'requests:read', TEAM_A)).toBe(false);
    expect(can(orgWide('VIEWER'), 'spend:read', TEAM_A)).toBe(true);
    expect(can(orgWide('VIEWER'), 'audit:read', null)).toBe(false);
    expect(ROLE_PERMISSIONS.VIEWER.has('config:read')).toBe(true);
    // Issue 8: money in (top-ups, adjustments, credit codes, billing mode) is for owners and admins.
    expect(can(orgWide('OWNER'), 'billing:manage', null)).toBe(true);
    expect(can(orgWide('ADMIN'), 'billing:manage', null)).toBe(true);
    expect(can(orgWide('ANALYST'), 'billing:manage', TEAM_A)).toBe(false);
    expect(can(orgWide('VIEWER'), 'billing:manage', TEAM_A)).toBe(false);
  });

  it('limits a team grant to its own team and never to org-level objects', () => {
    const teamAdmin = { grants: [{ role: 'ADMIN' as const, teamId: TEAM_A }] };
    expect(can(teamAdmin, 'config:write', TEAM_A)).toBe(true);
    expect(can(teamAdmin, 'config:write', TEAM_B)).toBe(false);
    expect(can(teamAdmin, 'config:write', null)).toBe(false);
    expect(canSomewhere(teamAdmin, 'config:write')).toBe(true);
    expect(canSomewhere(teamAdmin, 'members:manage')).toBe(false);
    expect(can(teamAdmin, 'billing:manage', TEAM_A)).toBe(true);
    expect(can(teamAdmin, 'billing:manage', null)).toBe(false);
  });

  it('hides everything while the viewer is unknown', () => {
    expect(can(undefined, 'config:read', null)).toBe(false);
    expect(can(null, 'config:read', TEAM_A)).toBe(false);
    expect(canSomewhere(undefined, 'spend:read')).toBe(false);
    expect(teamsWhere(undefined, 'config:read', [{ id: TEAM_A }])).toEqual([]);
    expect(assignableRoles(undefined)).toEqual([]);
    expect(isTeamScoped(undefined)).toBe(false);
  });
});

describe('teamsWhere', () => {
  const teams = [{ id: TEAM_A, name: 'A' }, { id: TEAM_B, name: 'B' }];

  it('keeps every team for an org grant and only granted teams otherwise', () => {
    expect(teamsWhere(orgWide('ADMIN'), 'config:write', teams)).toEqual(teams);
    expect(teamsWhere({ grants: [{ role: 'ADMIN', teamId: TEAM_B }] }, 'config:write', teams)).toEqual([teams[1]]);
    // An org-wide viewer reads everywhere but writes nowhere.
    expect(teamsWhere(orgWide('VIEWER'), 'config:write', teams)).toEqual([]);
    expect(teamsWhere({ grants: [{ role: 'VIEWER', teamId: null }, { role: 'ADMIN', teamId: TEAM_A }] }, 'config:write', teams)).toEqual([teams[0]]);
  });
});

describe('isTeamScoped', () => {
  it('is true only when every grant is on a team', () => {
    expect(isTeamScoped({ grants: [{ role: 'ADMIN', teamId: TEAM_A }] })).toBe(true);
    expect(isTeamScoped({ grants: [{ role: 'ADMIN', teamId: TEAM_A }, { role: 'VIEWER', teamId: null }] })).toBe(false);
    expect(isTeamScoped({ grants: [] })).toBe(false);
  });
});

describe('assignableRoles', () => {
  it('offers the viewer their own role and the ones below it', () => {
    expect(assignableRoles(orgWide('OWNER'))).toEqual(['OWNER', 'ADMIN', 'ANALYST', 'VIEWER']);
    expect(assignableRoles(orgWide('ADMIN'))).toEqual(['ADMIN', 'ANALYST', 'VIEWER']);
    expect(assignableRoles({ grants: [{ role: 'VIEWER', teamId: null }, { role: 'ANALYST', teamId: TEAM_A }] })).toEqual(['ANALYST', 'VIEWER']);
  });

  it('labels roles for people', () => {
    expect(roleLabel('ANALYST')).toBe('Analyst');
  });
});

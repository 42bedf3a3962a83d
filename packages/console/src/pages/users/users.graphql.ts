import { gql } from '@urql/core';
import type { Role } from '@proxystacks/shared/auth/roles';

/** A role a user holds, on the organization (team null) or on one team. */
export interface UserGrantRow {
  id: string;
  role: Role;
  team: { id: string; name: string } | null;
}

/** A user as the users table shows it. */
export interface UserRow {
  id: string;
  email: string;
  name: string;
  createdAt: string;
  lastSignInAt: string | null;
  disabledAt: string | null;
  lockedUntil: string | null;
  /** False until the user has used their set-up link. */
  hasPassword: boolean;
  grants: UserGrantRow[];
}

const USER_FIELDS = gql`
  fragment UserFields on User {
    id
    email
    name
    createdAt
    lastSignInAt
    disabledAt
    lockedUntil
    hasPassword
    grants {
      id
      role
      team {
        id
        name
      }
    }
  }
`;

/** Users of the organization and the teams a grant can be limited to. */
export const UsersPageQuery = gql<{ users: UserRow[]; teams: { id: string; name: string }[] }, Record<string, never>>`
  query UsersPage {
    users {
      ...UserFields
    }
    teams {
      id
      name
    }
  }
  ${USER_FIELDS}
`;

/** What createUser takes: the first grant comes with the user. */
export interface CreateUserInput {
  email: string;
  name: string;
  role: Role;
  teamId?: string;
}

/** A new user and their one-time set-up link (shown once: there is no mail server). */
export const CreateUserMutation = gql<
  { createUser: { user: UserRow; setupUrl: string; setupExpiresAt: string } },
  { input: CreateUserInput }
>`
  mutation CreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      user {
        ...UserFields
      }
      setupUrl
      setupExpiresAt
    }
  }
  ${USER_FIELDS}
`;

/** A fresh set-up link (a new user who lost theirs, or a password reset); older links stop working. */
export const CreateSetupLinkMutation = gql<{ createSetupLink: { setupUrl: string; expiresAt: string } }, { userId: string }>`
  mutation CreateSetupLink($userId: ID!) {
    createSetupLink(userId: $userId) {
      setupUrl
      expiresAt
    }
  }
`;

export const GrantRoleMutation = gql<{ grantRole: UserRow }, { input: { userId: string; role: Role; teamId?: string } }>`
  mutation GrantRole($input: GrantRoleInput!) {
    grantRole(input: $input) {
      ...UserFields
    }
  }
  ${USER_FIELDS}
`;

export const RevokeRoleMutation = gql<{ revokeRole: UserRow }, { grantId: string }>`
  mutation RevokeRole($grantId: ID!) {
    revokeRole(grantId: $grantId) {
      ...UserFields
    }
  }
  ${USER_FIELDS}
`;

export const DisableUserMutation = gql<{ disableUser: UserRow }, { id: string }>`
  mutation DisableUser($id: ID!) {
    disableUser(id: $id) {
      ...UserFields
    }
  }
  ${USER_FIELDS}
`;

export const EnableUserMutation = gql<{ enableUser: UserRow }, { id: string }>`
  mutation EnableUser($id: ID!) {
    enableUser(id: $id) {
      ...UserFields
    }
  }
  ${USER_FIELDS}
`;

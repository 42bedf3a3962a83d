import { gql } from '@urql/core';
import type { Role } from '@proxystacks/shared/auth/roles';

/** An API token for automation as the tokens table shows it (never the token itself). */
export interface ApiTokenRow {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  team: { id: string; name: string } | null;
  expiresAt: string | null;
  revokedAt: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  createdBy: string | null;
}

const TOKEN_FIELDS = gql`
  fragment ApiTokenFields on ApiToken {
    id
    name
    prefix
    role
    team {
      id
      name
    }
    expiresAt
    revokedAt
    createdAt
    lastUsedAt
    createdBy
  }
`;

/** API tokens the viewer may manage, and the teams a new token can be limited to. */
export const TokensPageQuery = gql<{ apiTokens: ApiTokenRow[]; teams: { id: string; name: string }[] }, Record<string, never>>`
  query TokensPage {
    apiTokens {
      ...ApiTokenFields
    }
    teams {
      id
      name
    }
  }
  ${TOKEN_FIELDS}
`;

/** What createApiToken takes. */
export interface CreateApiTokenInput {
  name: string;
  role: Role;
  teamId?: string;
  expiresAt?: string;
}

/** A new token; `token` is the secret, returned this once. */
export const CreateApiTokenMutation = gql<{ createApiToken: { token: string; apiToken: ApiTokenRow } }, { input: CreateApiTokenInput }>`
  mutation CreateApiToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      token
      apiToken {
        ...ApiTokenFields
      }
    }
  }
  ${TOKEN_FIELDS}
`;

export const RevokeApiTokenMutation = gql<{ revokeApiToken: ApiTokenRow }, { id: string }>`
  mutation RevokeApiToken($id: ID!) {
    revokeApiToken(id: $id) {
      ...ApiTokenFields
    }
  }
  ${TOKEN_FIELDS}
`;

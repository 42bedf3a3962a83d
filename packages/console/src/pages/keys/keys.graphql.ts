import { gql } from '@urql/core';

export type ApiKeyStatus = 'ACTIVE' | 'REVOKED';

/** A key as the keys table shows it. */
export interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  status: ApiKeyStatus;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  team: { id: string; name: string };
}

/** A team the create form offers. */
export interface TeamOption {
  id: string;
  name: string;
}

const KEY_FIELDS = gql`
  fragment KeyFields on ApiKey {
    id
    name
    prefix
    status
    createdAt
    lastUsedAt
    revokedAt
    team {
      id
      name
    }
  }
`;

/** Keys (newest first, optionally by status) and the teams a new key can belong to. */
export const KeysPageQuery = gql<{ keys: KeyRow[]; teams: TeamOption[] }, { status: ApiKeyStatus | null }>`
  query KeysPage($status: ApiKeyStatus) {
    keys(status: $status) {
      ...KeyFields
    }
    teams {
      id
      name
    }
  }
  ${KEY_FIELDS}
`;

/** Creates a key; `secret` is the plaintext key, returned this once and never again. */
export const CreateKeyMutation = gql<
  { createKey: { secret: string; key: KeyRow } },
  { input: { name: string; teamId?: string } }
>`
  mutation CreateKey($input: CreateKeyInput!) {
    createKey(input: $input) {
      secret
      key {
        ...KeyFields
      }
    }
  }
  ${KEY_FIELDS}
`;

/** Revokes a key; the data plane refuses it as soon as the next config snapshot applies. */
export const RevokeKeyMutation = gql<{ revokeKey: KeyRow }, { id: string }>`
  mutation RevokeKey($id: ID!) {
    revokeKey(id: $id) {
      ...KeyFields
    }
  }
  ${KEY_FIELDS}
`;

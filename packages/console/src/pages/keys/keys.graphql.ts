import { gql } from '@urql/core';
import type { TeamNode } from '../teams/teams.graphql.ts';

export type ApiKeyStatus = 'ACTIVE' | 'DISABLED' | 'REVOKED';

/** A key label: the customer's own bookkeeping (`cost-center=42`). */
export interface KeyLabel {
  key: string;
  value: string;
}

/** A key as the keys table shows it. */
export interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  status: ApiKeyStatus;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  disabledAt: string | null;
  expiresAt: string | null;
  rotatedAt: string | null;
  previousPrefix: string | null;
  previousSecretExpiresAt: string | null;
  allowedAliases: string[];
  /** Response cache: null = the alias's setting, 0 = never, > 0 = own entries for that many seconds. */
  responseCacheTtlSeconds: number | null;
  labels: KeyLabel[];
  createdBy: string | null;
  team: { id: string; name: string };
  project: { id: string; name: string };
  environment: { id: string; name: string };
}

/** What createKey takes; `environmentId` places the key (and so its team). */
export interface CreateKeyInput {
  name: string;
  environmentId?: string;
  expiresAt?: string;
  allowedAliases?: string[];
  labels?: KeyLabel[];
}

/** What updateKey takes: omitted fields stay as they are; the alias list and labels replace the whole list. */
export interface UpdateKeyInput {
  name?: string;
  expiresAt?: string;
  /** true: the key never expires (not with expiresAt). */
  clearExpiry?: boolean;
  /** [] = every alias. */
  allowedAliases?: string[];
  /** [] removes every label. */
  labels?: KeyLabel[];
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
    disabledAt
    expiresAt
    rotatedAt
    previousPrefix
    previousSecretExpiresAt
    allowedAliases
    responseCacheTtlSeconds
    labels {
      key
      value
    }
    createdBy
    team {
      id
      name
    }
    project {
      id
      name
    }
    environment {
      id
      name
    }
  }
`;

/** Keys (newest first, optionally by status) and the team → project → environment tree a new key is placed in. */
export const KeysPageQuery = gql<{ keys: KeyRow[]; teams: TeamNode[] }, { status: ApiKeyStatus | null }>`
  query KeysPage($status: ApiKeyStatus) {
    keys(status: $status) {
      ...KeyFields
    }
    teams {
      id
      name
      projects {
        id
        name
        environments {
          id
          name
        }
      }
    }
  }
  ${KEY_FIELDS}
`;

/** The organization's model aliases, for a key's allow-list (org-level: asked only when the viewer may read them). */
export const KeyAliasesQuery = gql<{ modelAliases: { id: string; alias: string }[] }, Record<string, never>>`
  query KeyAliases {
    modelAliases {
      id
      alias
    }
  }
`;

/** A key with its secret: shown this once (create, rotate), only its hash is stored. */
export interface CreatedKeyData {
  secret: string;
  key: KeyRow;
}

/** Creates a key; `secret` is the plaintext key, returned this once and never again. */
export const CreateKeyMutation = gql<{ createKey: CreatedKeyData }, { input: CreateKeyInput }>`
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

/** Changes a key's name, expiry, alias allow-list or labels; data planes apply it with the next snapshot. */
export const UpdateKeyMutation = gql<{ updateKey: KeyRow }, { id: string; input: UpdateKeyInput }>`
  mutation UpdateKey($id: ID!, $input: UpdateKeyInput!) {
    updateKey(id: $id, input: $input) {
      ...KeyFields
    }
  }
  ${KEY_FIELDS}
`;

/** Stops a key until it is enabled again. */
export const DisableKeyMutation = gql<{ disableKey: KeyRow }, { id: string }>`
  mutation DisableKey($id: ID!) {
    disableKey(id: $id) {
      ...KeyFields
    }
  }
  ${KEY_FIELDS}
`;

export const EnableKeyMutation = gql<{ enableKey: KeyRow }, { id: string }>`
  mutation EnableKey($id: ID!) {
    enableKey(id: $id) {
      ...KeyFields
    }
  }
  ${KEY_FIELDS}
`;

/** A new secret for the key; the old one keeps working for `gracePeriodSeconds`. */
export const RotateKeyMutation = gql<{ rotateKey: CreatedKeyData }, { id: string; gracePeriodSeconds: number }>`
  mutation RotateKey($id: ID!, $gracePeriodSeconds: Int!) {
    rotateKey(id: $id, gracePeriodSeconds: $gracePeriodSeconds) {
      secret
      key {
        ...KeyFields
      }
    }
  }
  ${KEY_FIELDS}
`;

/** Opts a key in or out of response caching (null = its aliases' setting, 0 = never). */
export const SetKeyResponseCacheMutation = gql<{ setKeyResponseCache: { id: string; responseCacheTtlSeconds: number | null } }, { id: string; ttlSeconds: number | null }>`
  mutation SetKeyResponseCache($id: ID!, $ttlSeconds: Int) {
    setKeyResponseCache(id: $id, ttlSeconds: $ttlSeconds) {
      id
      responseCacheTtlSeconds
    }
  }
`;

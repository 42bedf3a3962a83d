import { createMutation } from '@urql/solid';
import { createSignal, type Accessor } from 'solid-js';
import { describeError, type ErrorDescription } from '../../graphql/describe-error.ts';
import { CreateKeyMutation, RevokeKeyMutation, type KeyRow } from './keys.graphql.ts';

/** A key just created: the only moment its secret exists outside the caller's app. */
export interface CreatedKey {
  name: string;
  secret: string;
}

/** State and handlers of the keys page's two mutations. */
export interface KeyActions {
  created: Accessor<CreatedKey | null>;
  dismissCreated(): void;
  createBusy: Accessor<boolean>;
  createError: Accessor<ErrorDescription | null>;
  /** Resolves true when the key was created. */
  create(input: { name: string; teamId: string | null }): Promise<boolean>;
  revoking: Accessor<KeyRow | null>;
  revokeBusy: Accessor<boolean>;
  revokeError: Accessor<ErrorDescription | null>;
  askRevoke(key: KeyRow): void;
  cancelRevoke(): void;
  confirmRevoke(): Promise<void>;
}

/**
 * Create and revoke for the keys page. `refresh` runs after each success so the list shows
 * the server's view (the new row, the revoked status) rather than a local guess.
 */
export function createKeyActions(refresh: () => void): KeyActions {
  const [createState, createKey] = createMutation(CreateKeyMutation);
  const [revokeState, revokeKey] = createMutation(RevokeKeyMutation);
  const [created, setCreated] = createSignal<CreatedKey | null>(null);
  const [createError, setCreateError] = createSignal<ErrorDescription | null>(null);
  const [revoking, setRevoking] = createSignal<KeyRow | null>(null);
  const [revokeError, setRevokeError] = createSignal<ErrorDescription | null>(null);

  return {
    created,
    dismissCreated: () => setCreated(null),
    createBusy: () => createState.fetching,
    createError,
    async create(input) {
      setCreateError(null);
      setCreated(null);
      const result = await createKey({ input: input.teamId === null ? { name: input.name } : { name: input.name, teamId: input.teamId } });
      const payload = result.data?.createKey;
      if (payload === undefined) {
        setCreateError(failure(result.error, 'The key was not created.'));
        return false;
      }
      setCreated({ name: payload.key.name, secret: payload.secret });
      refresh();
      return true;
    },
    revoking,
    revokeBusy: () => revokeState.fetching,
    revokeError,
    askRevoke(key) {
      setRevokeError(null);
      setRevoking(key);
    },
    cancelRevoke: () => setRevoking(null),
    async confirmRevoke() {
      const key = revoking();
      if (key === null) return;
      setRevokeError(null);
      const result = await revokeKey({ id: key.id });
      if (result.data?.revokeKey === undefined) {
        setRevokeError(failure(result.error, 'The key was not revoked.'));
        return;
      }
      setRevoking(null);
      refresh();
    },
  };
}

function failure(error: Parameters<typeof describeError>[0] | undefined, fallback: string): ErrorDescription {
  return error === undefined ? { message: fallback, code: null } : describeError(error);
}

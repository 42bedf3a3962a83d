import { createSignal, type Accessor } from 'solid-js';
import { createSubmission } from '../../graphql/create-submission.ts';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import {
  CreateKeyMutation,
  DisableKeyMutation,
  EnableKeyMutation,
  RevokeKeyMutation,
  RotateKeyMutation,
  UpdateKeyMutation,
  type CreateKeyInput,
  type CreatedKeyData,
  type KeyRow,
  type UpdateKeyInput,
} from './keys.graphql.ts';

/** A key's secret at the only moment it exists outside the caller's app: just created or rotated. */
export interface ShownSecret {
  name: string;
  secret: string;
  rotated: boolean;
}

/** State and handlers of the keys page's mutations. */
export interface KeyActions {
  shown: Accessor<ShownSecret | null>;
  dismissShown(): void;
  createBusy: Accessor<boolean>;
  createError: Accessor<ErrorDescription | null>;
  /** Resolves true when the key was created. */
  create(input: CreateKeyInput): Promise<boolean>;
  revoking: Accessor<KeyRow | null>;
  revokeBusy: Accessor<boolean>;
  revokeError: Accessor<ErrorDescription | null>;
  askRevoke(key: KeyRow): void;
  cancelRevoke(): void;
  confirmRevoke(): Promise<void>;
  rotating: Accessor<KeyRow | null>;
  rotateBusy: Accessor<boolean>;
  rotateError: Accessor<ErrorDescription | null>;
  askRotate(key: KeyRow): void;
  cancelRotate(): void;
  confirmRotate(gracePeriodSeconds: number): Promise<void>;
  editing: Accessor<KeyRow | null>;
  editBusy: Accessor<boolean>;
  editError: Accessor<ErrorDescription | null>;
  askEdit(key: KeyRow): void;
  cancelEdit(): void;
  /** Saves the changed fields (null = nothing changed: the dialog just closes). */
  confirmEdit(input: UpdateKeyInput | null): Promise<void>;
  /** The last disable/enable failure, for the banner above the table. */
  toggleError: Accessor<ErrorDescription | null>;
  setEnabled(key: KeyRow, enabled: boolean): Promise<void>;
}

/**
 * Create, edit, revoke, rotate, disable and enable for the keys page. `refresh` runs after each
 * success so the list shows the server's view rather than a local guess.
 */
export function createKeyActions(refresh: () => void): KeyActions {
  const create = createSubmission(CreateKeyMutation, 'The key was not created.', refresh);
  const revoke = createSubmission(RevokeKeyMutation, 'The key was not revoked.', refresh);
  const rotate = createSubmission(RotateKeyMutation, 'The key was not rotated.', refresh);
  const disable = createSubmission(DisableKeyMutation, 'The key was not disabled.', refresh);
  const enable = createSubmission(EnableKeyMutation, 'The key was not enabled.', refresh);
  const update = createSubmission(UpdateKeyMutation, 'The key was not changed.', refresh);
  const [shown, setShown] = createSignal<ShownSecret | null>(null);
  const [revoking, setRevoking] = createSignal<KeyRow | null>(null);
  const [rotating, setRotating] = createSignal<KeyRow | null>(null);
  const [editing, setEditing] = createSignal<KeyRow | null>(null);
  const [toggleError, setToggleError] = createSignal<ErrorDescription | null>(null);
  const show = (data: CreatedKeyData, rotated: boolean): void => {
    setShown({ name: data.key.name, secret: data.secret, rotated });
  };

  return {
    shown,
    dismissShown: () => setShown(null),
    createBusy: create.busy,
    createError: create.error,
    async create(input) {
      setShown(null);
      const data = await create.submit({ input });
      if (data !== null) show(data.createKey, false);
      return data !== null;
    },
    revoking,
    revokeBusy: revoke.busy,
    revokeError: revoke.error,
    askRevoke(key) {
      revoke.clearError();
      setRevoking(key);
    },
    cancelRevoke: () => setRevoking(null),
    async confirmRevoke() {
      const key = revoking();
      if (key !== null && (await revoke.run({ id: key.id }))) setRevoking(null);
    },
    rotating,
    rotateBusy: rotate.busy,
    rotateError: rotate.error,
    askRotate(key) {
      rotate.clearError();
      setRotating(key);
    },
    cancelRotate: () => setRotating(null),
    async confirmRotate(gracePeriodSeconds) {
      const key = rotating();
      if (key === null) return;
      setShown(null);
      const data = await rotate.submit({ id: key.id, gracePeriodSeconds });
      if (data === null) return;
      setRotating(null);
      show(data.rotateKey, true);
    },
    editing,
    editBusy: update.busy,
    editError: update.error,
    askEdit(key) {
      update.clearError();
      setEditing(key);
    },
    cancelEdit: () => setEditing(null),
    async confirmEdit(input) {
      const key = editing();
      if (key === null) return;
      if (input === null || (await update.run({ id: key.id, input }))) setEditing(null);
    },
    toggleError,
    async setEnabled(key, enabled) {
      const submission = enabled ? enable : disable;
      const ok = await submission.run({ id: key.id });
      setToggleError(ok ? null : submission.error());
    },
  };
}

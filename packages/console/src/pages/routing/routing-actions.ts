import { createSignal, type Accessor } from 'solid-js';
import type { ErrorDescription } from '../../graphql/describe-error.ts';
import type { NewPrice } from './AddPriceForm.tsx';
import type { NewProvider } from './AddProviderForm.tsx';
import type { RouteRow } from './RoutingTables.tsx';
import { createSubmission, type Submission } from '../../graphql/create-submission.ts';
import {
  AddModelRouteMutation,
  CreateModelAliasMutation,
  type NewAlias,
  CreatePricingRuleMutation,
  CreateProviderMutation,
  RemoveModelRouteMutation,
  SetProviderCredentialMutation,
  SetProviderEnvironmentsMutation,
  type ModelAliasRow,
  type ModelRouteInput,
  type ProviderRow,
} from './routing.graphql.ts';

/** The one destructive action awaiting confirmation on the page, if any. */
export type PendingConfirmation =
  | { kind: 'remove-credential'; provider: ProviderRow }
  | { kind: 'remove-route'; alias: ModelAliasRow; route: RouteRow };

/** Mutations, dialog targets and handlers of the routing page. */
export interface RoutingActions {
  createProvider: Submission<{ input: NewProvider }>;
  createAlias: Submission<{ input: NewAlias }>;
  createPrice: Submission<{ input: NewPrice }>;

  rotating: Accessor<ProviderRow | null>;
  rotateBusy: Accessor<boolean>;
  rotateError: Accessor<ErrorDescription | null>;
  askRotate(provider: ProviderRow): void;
  cancelRotate(): void;
  confirmRotate(credential: string): Promise<void>;

  limiting: Accessor<ProviderRow | null>;
  limitBusy: Accessor<boolean>;
  limitError: Accessor<ErrorDescription | null>;
  askLimit(provider: ProviderRow): void;
  cancelLimit(): void;
  confirmLimit(enabledEnvironments: string[]): Promise<void>;

  addingRouteTo: Accessor<ModelAliasRow | null>;
  addRouteBusy: Accessor<boolean>;
  addRouteError: Accessor<ErrorDescription | null>;
  askAddRoute(alias: ModelAliasRow): void;
  cancelAddRoute(): void;
  confirmAddRoute(input: ModelRouteInput): Promise<void>;

  pending: Accessor<PendingConfirmation | null>;
  pendingBusy: Accessor<boolean>;
  pendingError: Accessor<ErrorDescription | null>;
  askRemoveCredential(provider: ProviderRow): void;
  askRemoveRoute(alias: ModelAliasRow, route: RouteRow): void;
  cancelPending(): void;
  confirmPending(): Promise<void>;
}

/**
 * Every change the routing page can make. `refresh` runs after each success so the tables and
 * the snapshot version show the control plane's new state.
 */
export function createRoutingActions(refresh: () => void): RoutingActions {
  const createProvider = createSubmission(CreateProviderMutation, 'The provider was not added.', refresh);
  const createAlias = createSubmission(CreateModelAliasMutation, 'The alias was not added.', refresh);
  const createPrice = createSubmission(CreatePricingRuleMutation, 'The price was not added.', refresh);
  const setCredential = createSubmission(SetProviderCredentialMutation, 'The credential was not changed.', refresh);
  const setEnvironments = createSubmission(SetProviderEnvironmentsMutation, 'The environments were not changed.', refresh);
  const addRoute = createSubmission(AddModelRouteMutation, 'The route was not added.', refresh);
  const removeRoute = createSubmission(RemoveModelRouteMutation, 'The route was not removed.', refresh);

  const [rotating, setRotating] = createSignal<ProviderRow | null>(null);
  const [limiting, setLimiting] = createSignal<ProviderRow | null>(null);
  const [addingRouteTo, setAddingRouteTo] = createSignal<ModelAliasRow | null>(null);
  const [pending, setPending] = createSignal<PendingConfirmation | null>(null);
  // Rotation and removal share one mutation; each dialog shows only the error of its own attempt.
  const [rotateError, setRotateError] = createSignal<ErrorDescription | null>(null);

  return {
    createProvider,
    createAlias,
    createPrice,

    rotating,
    rotateBusy: setCredential.busy,
    rotateError,
    askRotate(provider) {
      setRotateError(null);
      setRotating(provider);
    },
    cancelRotate: () => setRotating(null),
    async confirmRotate(credential) {
      const provider = rotating();
      if (provider === null) return;
      setRotateError(null);
      if (await setCredential.run({ id: provider.id, credential })) setRotating(null);
      else setRotateError(setCredential.error());
    },

    limiting,
    limitBusy: setEnvironments.busy,
    limitError: setEnvironments.error,
    askLimit(provider) {
      setEnvironments.clearError();
      setLimiting(provider);
    },
    cancelLimit: () => setLimiting(null),
    async confirmLimit(enabledEnvironments) {
      const provider = limiting();
      if (provider === null) return;
      if (await setEnvironments.run({ id: provider.id, enabledEnvironments })) setLimiting(null);
    },

    addingRouteTo,
    addRouteBusy: addRoute.busy,
    addRouteError: addRoute.error,
    askAddRoute(alias) {
      addRoute.clearError();
      setAddingRouteTo(alias);
    },
    cancelAddRoute: () => setAddingRouteTo(null),
    async confirmAddRoute(input) {
      const alias = addingRouteTo();
      if (alias === null) return;
      if (await addRoute.run({ aliasId: alias.id, input })) setAddingRouteTo(null);
    },

    pending,
    pendingBusy: () => setCredential.busy() || removeRoute.busy(),
    pendingError: () => {
      const action = pending();
      if (action === null) return null;
      return action.kind === 'remove-route' ? removeRoute.error() : setCredential.error();
    },
    askRemoveCredential(provider) {
      setCredential.clearError();
      setPending({ kind: 'remove-credential', provider });
    },
    askRemoveRoute(alias, route) {
      removeRoute.clearError();
      setPending({ kind: 'remove-route', alias, route });
    },
    cancelPending: () => setPending(null),
    async confirmPending() {
      const action = pending();
      if (action === null) return;
      const done =
        action.kind === 'remove-route'
          ? await removeRoute.run({ id: action.route.id })
          : await setCredential.run({ id: action.provider.id, credential: null });
      if (done) setPending(null);
    },
  };
}

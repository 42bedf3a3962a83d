import { gql } from '@urql/core';

export type ProviderType = 'OPENAI' | 'OPENAI_COMPATIBLE' | 'DEEPSEEK' | 'GEMINI' | 'ANTHROPIC' | 'MOCK';

/** A provider; its credential is never readable, only whether one is set. */
export interface ProviderRow {
  id: string;
  name: string;
  type: ProviderType;
  baseUrl: string | null;
  hasCredential: boolean;
  createdAt: string;
}

/** An alias apps send as `model`, and the provider routes behind it. */
export interface ModelAliasRow {
  id: string;
  alias: string;
  createdAt: string;
  routes: Array<{ id: string; upstreamModel: string; priority: number; weight: number; provider: { id: string; name: string } }>;
}

/** One version of a model's price; money fields are `Micros` strings per million tokens. */
export interface PricingRuleRow {
  id: string;
  model: string;
  version: number;
  inputMicrosPerMTok: string;
  outputMicrosPerMTok: string;
  cachedInputMicrosPerMTok: string | null;
  effectiveFrom: string;
  provider: { id: string; name: string };
}

/** The configuration data planes run with: providers, aliases, prices and the snapshot version. */
export const RoutingPageQuery = gql<
  {
    providers: ProviderRow[];
    modelAliases: ModelAliasRow[];
    pricingRules: PricingRuleRow[];
    configSnapshot: { version: number; hash: string; createdAt: string };
  },
  Record<string, never>
>`
  query RoutingPage {
    providers {
      id
      name
      type
      baseUrl
      hasCredential
      createdAt
    }
    modelAliases {
      id
      alias
      createdAt
      routes {
        id
        upstreamModel
        priority
        weight
        provider {
          id
          name
        }
      }
    }
    pricingRules {
      id
      model
      version
      inputMicrosPerMTok
      outputMicrosPerMTok
      cachedInputMicrosPerMTok
      effectiveFrom
      provider {
        id
        name
      }
    }
    configSnapshot {
      version
      hash
      createdAt
    }
  }
`;

const PROVIDER_FIELDS = gql`
  fragment RoutingProviderFields on Provider {
    id
    name
    type
    baseUrl
    hasCredential
    createdAt
  }
`;

/** A route as the add-alias and add-route forms send it. */
export interface ModelRouteInput {
  providerId: string;
  upstreamModel: string;
  priority: number;
  weight: number;
}

/** Creates a provider; the credential goes in and is never readable again. */
export const CreateProviderMutation = gql<
  { createProvider: ProviderRow },
  { input: { name: string; type: ProviderType; baseUrl: string | null; credential: string | null } }
>`
  mutation CreateProvider($input: CreateProviderInput!) {
    createProvider(input: $input) {
      ...RoutingProviderFields
    }
  }
  ${PROVIDER_FIELDS}
`;

/** Rotates (a new key) or removes (null) a provider's credential; other fields stay as they are. */
export const SetProviderCredentialMutation = gql<{ updateProvider: ProviderRow }, { id: string; credential: string | null }>`
  mutation SetProviderCredential($id: ID!, $credential: String) {
    updateProvider(id: $id, input: { credential: $credential }) {
      ...RoutingProviderFields
    }
  }
  ${PROVIDER_FIELDS}
`;

/** Creates an alias with its first routes. */
export const CreateModelAliasMutation = gql<
  { createModelAlias: { id: string; alias: string } },
  { input: { alias: string; routes: ModelRouteInput[] } }
>`
  mutation CreateModelAlias($input: CreateModelAliasInput!) {
    createModelAlias(input: $input) {
      id
      alias
    }
  }
`;

/** Adds a route (e.g. a fallback) to an alias. */
export const AddModelRouteMutation = gql<{ addModelRoute: { id: string } }, { aliasId: string; input: ModelRouteInput }>`
  mutation AddModelRoute($aliasId: ID!, $input: ModelRouteInput!) {
    addModelRoute(aliasId: $aliasId, input: $input) {
      id
    }
  }
`;

/** Removes a route; the server refuses an alias's last route with BAD_USER_INPUT. */
export const RemoveModelRouteMutation = gql<{ removeModelRoute: { id: string } }, { id: string }>`
  mutation RemoveModelRoute($id: ID!) {
    removeModelRoute(id: $id) {
      id
    }
  }
`;

/** Adds the next version of a provider model's price; amounts are Micros strings per million tokens. */
export const CreatePricingRuleMutation = gql<
  { createPricingRule: { id: string; version: number } },
  {
    input: {
      providerId: string;
      model: string;
      inputMicrosPerMTok: string;
      outputMicrosPerMTok: string;
      cachedInputMicrosPerMTok: string | null;
    };
  }
>`
  mutation CreatePricingRule($input: CreatePricingRuleInput!) {
    createPricingRule(input: $input) {
      id
      version
    }
  }
`;

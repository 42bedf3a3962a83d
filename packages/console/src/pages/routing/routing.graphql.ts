import { gql } from '@urql/core';

export type ProviderType = 'OPENAI' | 'OPENAI_COMPATIBLE' | 'DEEPSEEK' | 'GEMINI' | 'ANTHROPIC' | 'AZURE_OPENAI' | 'MOCK';

/** Whether data planes offer HTTP/2 to a provider (the server's ProviderHttp2 enum). */
export type ProviderHttp2 = 'AUTO' | 'OFF';

/** A non-secret header sent with every request to a provider. */
export interface ProviderHeader {
  name: string;
  value: string;
}

/** Ready-made settings for a well-known vendor, to fill the add-provider form. */
export interface ProviderPresetRow {
  id: string;
  label: string;
  type: ProviderType;
  baseUrl: string;
  needsCredential: boolean;
  apiVersion: string | null;
  extraHeaders: ProviderHeader[];
  local: boolean;
  note: string;
}

/** A provider; its credential is never readable, only whether one is set. */
export interface ProviderRow {
  id: string;
  name: string;
  type: ProviderType;
  baseUrl: string | null;
  hasCredential: boolean;
  /** Environment names the provider serves; [] = every environment. */
  enabledEnvironments: string[];
  createdAt: string;
}

/** How data planes order an alias's routes per request (the server's RoutingStrategy enum). */
export type RoutingStrategy = 'FALLBACK' | 'WEIGHTED' | 'LEAST_LATENCY' | 'LOWEST_COST';

/** What the console calls each strategy, in the order the select offers them. */
export const ROUTING_STRATEGY_LABELS: Record<RoutingStrategy, string> = {
  FALLBACK: 'Fallback (priority, then weight)',
  WEIGHTED: 'Weighted (split by weight)',
  LEAST_LATENCY: 'Least latency',
  LOWEST_COST: 'Lowest cost',
};

/** A new alias as the add-alias form sends it. */
export interface NewAlias {
  alias: string;
  routes: ModelRouteInput[];
  routingStrategy: RoutingStrategy;
}

/** An alias apps send as `model`, and the provider routes behind it. */
export interface ModelAliasRow {
  id: string;
  alias: string;
  routingStrategy: RoutingStrategy;
  /** Exact-match response cache lifetime; null = no cache. */
  responseCacheTtlSeconds: number | null;
  responseCacheToolStreams: boolean;
  createdAt: string;
  routes: Array<{
    id: string;
    upstreamModel: string;
    priority: number;
    weight: number;
    /** The environment the route serves; null = every environment without routes of its own on this alias. */
    environment: string | null;
    provider: { id: string; name: string };
  }>;
}

/** One version of a model's price; money fields are `Micros` strings per million tokens. */
export interface PricingRuleRow {
  id: string;
  model: string;
  version: number;
  inputMicrosPerMTok: string;
  outputMicrosPerMTok: string;
  cachedInputMicrosPerMTok: string | null;
  /** Prompt-cache writes; null = billed as input. */
  cacheWriteMicrosPerMTok: string | null;
  effectiveFrom: string;
  provider: { id: string; name: string };
}

/** The configuration data planes run with: providers, aliases, prices, the snapshot version, and the environment names in use. */
export const RoutingPageQuery = gql<
  {
    providers: ProviderRow[];
    modelAliases: ModelAliasRow[];
    pricingRules: PricingRuleRow[];
    providerPresets: ProviderPresetRow[];
    configSnapshot: { version: number; hash: string; createdAt: string };
    teams: Array<{ id: string; projects: Array<{ id: string; environments: Array<{ id: string; name: string }> }> }>;
  },
  Record<string, never>
>`
  query RoutingPage {
    providerPresets {
      id
      label
      type
      baseUrl
      needsCredential
      apiVersion
      extraHeaders {
        name
        value
      }
      local
      note
    }
    providers {
      id
      name
      type
      baseUrl
      hasCredential
      enabledEnvironments
      createdAt
    }
    modelAliases {
      id
      alias
      routingStrategy
      responseCacheTtlSeconds
      responseCacheToolStreams
      createdAt
      routes {
        id
        upstreamModel
        priority
        weight
        environment
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
      cacheWriteMicrosPerMTok
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
    teams {
      id
      projects {
        id
        environments {
          id
          name
        }
      }
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
    enabledEnvironments
    createdAt
  }
`;

/** A route as the add-alias and add-route forms send it. */
export interface ModelRouteInput {
  providerId: string;
  upstreamModel: string;
  priority: number;
  weight: number;
  /** Serve only this environment; omitted = every environment without routes of its own. */
  environment?: string;
}

/** Creates a provider; the credential goes in and is never readable again. */
export const CreateProviderMutation = gql<
  { createProvider: ProviderRow },
  { input: { name: string; type: ProviderType; baseUrl: string | null; credential: string | null; apiVersion: string | null; extraHeaders: ProviderHeader[]; http2: ProviderHttp2 } }
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

/** Limits a provider to the named environments ([] = every environment); other fields stay as they are. */
export const SetProviderEnvironmentsMutation = gql<{ updateProvider: ProviderRow }, { id: string; enabledEnvironments: string[] }>`
  mutation SetProviderEnvironments($id: ID!, $enabledEnvironments: [String!]) {
    updateProvider(id: $id, input: { enabledEnvironments: $enabledEnvironments }) {
      ...RoutingProviderFields
    }
  }
  ${PROVIDER_FIELDS}
`;

/** Creates an alias with its first routes. */
export const CreateModelAliasMutation = gql<
  { createModelAlias: { id: string; alias: string } },
  { input: NewAlias }
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
      cacheWriteMicrosPerMTok: string | null;
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

/** Turns an alias's response cache on (ttlSeconds) or off (null). */
export const SetAliasResponseCacheMutation = gql<
  { setAliasResponseCache: { id: string; responseCacheTtlSeconds: number | null; responseCacheToolStreams: boolean } },
  { aliasId: string; ttlSeconds: number | null; cacheToolStreams: boolean }
>`
  mutation SetAliasResponseCache($aliasId: ID!, $ttlSeconds: Int, $cacheToolStreams: Boolean) {
    setAliasResponseCache(aliasId: $aliasId, ttlSeconds: $ttlSeconds, cacheToolStreams: $cacheToolStreams) {
      id
      responseCacheTtlSeconds
      responseCacheToolStreams
    }
  }
`;

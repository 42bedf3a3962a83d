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

/** The configuration data planes run with, read-only. */
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

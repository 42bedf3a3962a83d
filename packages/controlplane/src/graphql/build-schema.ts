import type { GraphQLSchema } from 'graphql';
import { builder } from './builder.ts';
import './schema/index.ts';

let built: GraphQLSchema | null = null;

/** The control plane's GraphQL schema, built once per process. */
export function buildSchema(): GraphQLSchema {
  built ??= builder.toSchema({ sortSchema: true });
  return built;
}

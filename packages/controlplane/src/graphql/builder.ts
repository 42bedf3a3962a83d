import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import type PrismaTypes from '../generated/pothos-types.ts';
import { getDatamodel } from '../generated/pothos-types.ts';
import type { GraphQLContext } from './context.ts';

/** Pothos configuration only; types and fields live in ./schema/*. */
export const builder = new SchemaBuilder<{
  PrismaTypes: PrismaTypes;
  Context: GraphQLContext;
  /** Output fields are non-null unless they say `nullable: true`, as the API contract reads. */
  DefaultFieldNullability: false;
  Scalars: {
    /** ISO-8601 instant. */
    DateTime: { Input: Date; Output: Date | string };
    /** Integer micro-units as a decimal string: GraphQL Int is 32-bit and floats lose cents. */
    Micros: { Input: bigint; Output: bigint | number | string };
    /** Counts past 2^31 (tokens add up fast): a JSON number, exact up to 2^53 - 1. */
    Count: { Input: number; Output: number };
  };
}>({
  plugins: [PrismaPlugin],
  defaultFieldNullability: false,
  prisma: {
    // Resolved per request, so one schema serves any client (tests open several databases).
    client: (ctx) => ctx.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    onUnusedQuery: null,
  },
});

builder.queryType({});
builder.mutationType({});

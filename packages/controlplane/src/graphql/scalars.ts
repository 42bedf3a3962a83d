import { Kind, valueFromASTUntyped, type GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import { builder } from './builder.ts';

const MICROS_PATTERN = /^-?\d{1,19}$/;

/**
 * Built with Yoga's createGraphQLError, not `new GraphQLError`: it makes the error with the same
 * copy of `graphql` that Yoga's masking checks with `instanceof`. Under vitest our sources load
 * graphql's ESM build while Yoga loads its CommonJS build, and a foreign GraphQLError is masked.
 */
function badInput(message: string): GraphQLError {
  return createGraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

function parseDateTime(value: unknown): Date {
  if (typeof value !== 'string') throw badInput('DateTime must be an ISO-8601 string.');
  // Date.parse accepts many loose forms; require a full ISO date-time with a zone.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    throw badInput(`DateTime must be an ISO-8601 date-time with a time zone, got ${JSON.stringify(value.slice(0, 40))}.`);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw badInput('DateTime is not a valid instant.');
  return date;
}

function parseMicros(value: unknown): bigint {
  if (typeof value === 'string' && MICROS_PATTERN.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw badInput('Micros must be an integer amount of micro-units, as a decimal string (e.g. "150000").');
}

/** An instant, serialised as an ISO-8601 string in UTC. */
export const DateTimeScalar = builder.scalarType('DateTime', {
  description: 'An instant, as an ISO-8601 string in UTC (2025-01-31T12:00:00.000Z).',
  serialize: (value) => (value instanceof Date ? value : new Date(value)).toISOString(),
  parseValue: parseDateTime,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw badInput('DateTime must be an ISO-8601 string.');
    return parseDateTime(ast.value);
  },
});

/** Money: integer micro-units (1e-6 of the currency unit), as a decimal string, never a float. */
export const MicrosScalar = builder.scalarType('Micros', {
  description: 'Money in integer micro-units (1e-6 of the currency unit), as a decimal string: "1500000" = 1.50.',
  serialize: (value) => {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    if (typeof value === 'string' && MICROS_PATTERN.test(value)) return value;
    throw new Error('Micros value is not an integer');
  },
  parseValue: parseMicros,
  parseLiteral: (ast) => {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT) return parseMicros(ast.value);
    throw badInput('Micros must be a decimal string.');
  },
});

function parseCount(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw badInput('Count must be a non-negative whole number.');
}

/**
 * Request and token counts. GraphQL `Int` is 32-bit: a busy organisation passes 2^31 tokens in
 * weeks, and an Int field would then fail the whole query. Count is a JSON number, exact up to
 * 2^53 − 1.
 */
export const CountScalar = builder.scalarType('Count', {
  description: 'A non-negative whole number, exact up to 2^53 − 1, as a JSON number (GraphQL Int stops at 2^31 − 1).',
  serialize: (value) => {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
    throw new Error('Count value is not a non-negative safe integer');
  },
  parseValue: parseCount,
  parseLiteral: (ast) => {
    if (ast.kind === Kind.INT) return parseCount(Number(ast.value));
    throw badInput('Count must be a whole number.');
  },
});

/**
 * Any JSON value, sent as itself (an object stays an object, not a string holding one). Used
 * for audit snapshots, whose shape is the changed row's and differs per object type; their
 * secrets were redacted when the entry was written (audit/redact-for-audit.ts).
 */
export const JSONScalar = builder.scalarType('JSON', {
  description: 'Any JSON value (object, array, string, number, boolean or null), as itself.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast) => valueFromASTUntyped(ast),
});

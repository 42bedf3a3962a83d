import { z } from 'zod';

/** A display name: trimmed, 1–100 characters. */
export const nameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters');

/**
 * A model name as clients send it or as a provider expects it (`gpt-4o-mini`,
 * `meta-llama/Llama-3.1-8B`, `models/gemini-2.0-flash`, `llama3:8b`): 1–200 characters, no
 * whitespace or control characters.
 */
export const modelNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/, 'may contain letters, digits and . _ : / @ + - only, starting with a letter or digit');

/** An http(s) URL without credentials in it (credentials belong in the sealed credential). */
export const httpUrlSchema = z
  .string()
  .trim()
  .max(2048, 'must be at most 2048 characters')
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL')
  .refine((value) => {
    const url = URL.canParse(value) ? new URL(value) : null;
    return url === null || (url.username === '' && url.password === '');
  }, 'must not contain a user name or password');

/** Money in micro-units: a non-negative integer no larger than 2^53 − 1. */
export const microsSchema = z
  .bigint({ error: 'must be an integer amount of micros' })
  .min(0n, 'must not be negative')
  .max(BigInt(Number.MAX_SAFE_INTEGER), 'must be at most 9007199254740991');

/** A UUID id as stored in Postgres; checked before a query so a malformed id is a clean "not found". */
export const idSchema = z.uuid({ error: 'is not a valid id' });

/** True when `value` is a UUID (any version), so it can be compared with a uuid column. */
export function isUuid(value: string): boolean {
  return idSchema.safeParse(value).success;
}

/**
 * An environment name (`production`, `eu-staging`): a lower-case slug, 1–63 characters of a–z,
 * 0–9 and inner hyphens. Routes and providers name environments by it, and the data plane
 * compares it byte for byte, so `Staging` and `staging` must never both exist.
 */
export const environmentNameSchema = z
  .string()
  .trim()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a lower-case slug: 1–63 characters of a–z, 0–9 and inner hyphens');

/** A list of environment names, e.g. where a provider is enabled: deduplicated and sorted; empty = every environment. */
export const environmentNamesSchema = z
  .array(environmentNameSchema)
  .max(50, 'may name at most 50 environments')
  .transform((names) => [...new Set(names)].sort());

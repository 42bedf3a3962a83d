/** Parsed origins by base URL: a base URL comes from the snapshot, so this map stays small. */
const ORIGINS = new Map<string, string | null>();
const MAX_CACHED = 10_000;

/**
 * The origin (`scheme://host:port`) of an upstream base URL, without path or credentials, as
 * undici pools connections by it; null for a missing or unparsable URL. Cached, since it runs
 * once per upstream call and URL parsing costs more than a map lookup.
 */
export function originOfUrl(baseUrl: string | null): string | null {
  if (baseUrl === null) return null;
  let origin = ORIGINS.get(baseUrl);
  if (origin !== undefined) return origin;
  try {
    origin = new URL(baseUrl).origin;
  } catch {
    origin = null;
  }
  if (origin === 'null') origin = null;
  if (ORIGINS.size >= MAX_CACHED) ORIGINS.clear();
  ORIGINS.set(baseUrl, origin);
  return origin;
}

/** A tiny GraphQL-over-HTTP client for tests: real fetch, throws on transport or GraphQL errors. */
export function createGraphQLClient(url: string, token: string) {
  return async function graphql<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> };
    if (!response.ok || body.errors?.length) {
      throw new Error(`GraphQL ${response.status}: ${JSON.stringify(body.errors ?? body)}`);
    }
    return body.data as T;
  };
}

/** Polls `probe` until it returns a value that is not undefined, or fails after `attempts` tries (`what` may say what is still missing). */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string | (() => string), attempts = 100, intervalMs = 100): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`Timed out waiting for ${typeof what === 'string' ? what : what()}`);
}

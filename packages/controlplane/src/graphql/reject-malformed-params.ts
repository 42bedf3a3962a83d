import type { Plugin } from 'graphql-yoga';

/** Query-string parameters Yoga parses as JSON on a GET (graphql-over-http). */
const JSON_PARAMS = ['variables', 'extensions'] as const;

/**
 * A Yoga plugin that answers 400 when a GET's `variables` or `extensions` is not JSON. Yoga
 * itself runs `JSON.parse` on them unguarded, so `/graphql?query=…&variables=%` answered 500
 * and logged an operator alarm for what is the caller's mistake (issue 6).
 */
export function useRejectMalformedParams(): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET') return;
      for (const name of JSON_PARAMS) {
        const value = url.searchParams.get(name);
        if (value === null || value === '' || isJson(value)) continue;
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [{ message: `\`${name}\` must be JSON.`, extensions: { code: 'BAD_REQUEST' } }] }), {
            status: 400,
            headers: { 'content-type': 'application/json; charset=utf-8' },
          }),
        );
        return;
      }
    },
  };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

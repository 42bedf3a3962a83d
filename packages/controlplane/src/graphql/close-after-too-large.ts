import type { Plugin } from 'graphql-yoga';

/**
 * Yoga's body cap (maxRequestBodySize) answers 413 once the bytes read pass the cap, but Node's
 * HTTP server then reads and discards the rest of the body to keep the connection alive, so a
 * client streaming gigabytes keeps this process busy. `Connection: close` on the 413 makes Node
 * close the socket after the answer instead.
 */
export function useCloseAfterTooLarge(): Plugin {
  return {
    onResponse({ response }) {
      if (response.status === 413) response.headers.set('connection', 'close');
    },
  };
}

/**
 * What Yoga's own log lines may carry: the error codes and paths of what it logs, never the
 * messages. A parser's or validator's message quotes the caller's document or body (a pasted
 * key, a password in a variable), and secrets must never reach the logs; the caller already has
 * the message in its answer, and unexpected errors are logged with their request id by
 * useRequestId.
 */
export function logSafeArgs(args: readonly unknown[]): Array<{ code?: unknown; path?: unknown; kind: string }> {
  return args.map((arg) => {
    if (typeof arg !== 'object' || arg === null) return { kind: typeof arg };
    const { extensions, path, name } = arg as { extensions?: { code?: unknown }; path?: unknown; name?: unknown };
    return { kind: typeof name === 'string' ? name : 'object', ...(extensions?.code === undefined ? {} : { code: extensions.code }), ...(path === undefined ? {} : { path }) };
  });
}

/** One GraphQL result as a subscription delivers it. */
export interface SubscriptionResult<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/** An open GraphQL subscription over SSE (graphql-sse "distinct connections" mode, as Yoga serves it). */
export interface SseSubscription<T> {
  /** HTTP status and content type of the answer. */
  status: number;
  contentType: string;
  /** The next `next` event's payload; null once the server completed the stream. */
  next(): Promise<SubscriptionResult<T> | null>;
  close(): void;
}

/**
 * Subscribes with a POST carrying `Accept: text/event-stream` (what urql's `fetchSubscriptions`
 * and graphql-sse send). Resolves once the response headers arrived: by then Yoga has run the
 * field's `subscribe`, so events published from now on are delivered.
 */
export async function subscribeOverSse<T>(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<SseSubscription<T>> {
  const abort = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: abort.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  let completed = false;
  async function next(): Promise<SubscriptionResult<T> | null> {
    while (!completed) {
      const end = buffered.indexOf('\n\n');
      if (end === -1) {
        const { value, done } = await reader.read();
        if (done) return null;
        buffered += value;
        continue;
      }
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const lines = block.split('\n');
      const event = lines.find((line) => line.startsWith('event:'))?.slice(6).trim();
      const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('\n');
      if (event === 'complete') completed = true;
      else if (event === 'next' || (event === undefined && data !== '')) return JSON.parse(data) as SubscriptionResult<T>;
    }
    return null;
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', next, close: () => abort.abort() };
}

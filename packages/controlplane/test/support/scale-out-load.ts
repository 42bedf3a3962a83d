import type { createGraphQLClient } from '../e2e/graphql-client.ts';
import type { MultiPlane } from './multi-plane.ts';

type GraphQL = ReturnType<typeof createGraphQLClient>;

/** A request that did not succeed: which plane, and its status (0 = no answer) and error code. */
export interface LoadFailure {
  plane: number;
  status: number;
  code: string;
}

/** Load running against every data plane of a cluster. */
export interface RunningLoad {
  /** Resolves once every plane has served `count` more requests than when called. */
  waitForServed(count: number): Promise<void>;
  /** Stops the clients; resolves with successes per plane and every failure. */
  stop(): Promise<{ served: number[]; failures: LoadFailure[] }>;
}

/** Creates a key (for one data plane's traffic); returns its id and secret. */
export async function createPlaneKey(graphql: GraphQL, name: string): Promise<{ id: string; secret: string }> {
  const { createKey } = await graphql<{ createKey: { secret: string; key: { id: string } } }>(
    'mutation($input: CreateKeyInput!) { createKey(input: $input) { secret key { id } } }',
    { input: { name } },
  );
  return { id: createKey.key.id, secret: createKey.secret };
}

/** One chat completion on data plane `url` with `model`; resolves with the status and error code. */
export async function chatOnce(url: string, secret: string, model: string): Promise<{ status: number; code: string }> {
  try {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'scale out' }] }),
    });
    const body = (await response.json()) as { error?: { code?: string } };
    return { status: response.status, code: body.error?.code ?? '' };
  } catch {
    return { status: 0, code: 'no_answer' };
  }
}

/**
 * Waits until `alias` answers 200 on every data plane (plane i with keys[i]); resolves with how
 * long each took from the call, in ms. One successful request per plane is sent.
 */
export async function waitForAliasEverywhere(cluster: MultiPlane, keys: ReadonlyArray<{ secret: string }>, alias: string, deadlineMs: number): Promise<number[]> {
  const start = performance.now();
  return Promise.all(
    cluster.dataplanes.map(async (plane, i) => {
      for (;;) {
        const { status } = await chatOnce(plane.url, keys[i]!.secret, alias);
        const elapsedMs = Math.round(performance.now() - start);
        if (status === 200) return elapsedMs;
        if (elapsedMs > deadlineMs) return elapsedMs;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }),
  );
}

/**
 * Closed-loop clients (`clientsPerPlane` per plane, each on its plane's key) sending chat
 * completions to `relay-mini`, each pausing `pauseMs` (default 0) after every answer: a test
 * keeps the load steady but leaves CPU for the control plane's restart on a shared 2-core box.
 */
export function driveLoad(cluster: MultiPlane, keys: ReadonlyArray<{ secret: string }>, options: { clientsPerPlane: number; pauseMs?: number }): RunningLoad {
  const served = cluster.dataplanes.map(() => 0);
  const failures: LoadFailure[] = [];
  let stopping = false;
  const clients = cluster.dataplanes.flatMap((plane, i) =>
    Array.from({ length: options.clientsPerPlane }, async () => {
      while (!stopping) {
        const { status, code } = await chatOnce(plane.url, keys[i]!.secret, 'relay-mini');
        if (status === 200) served[i]! += 1;
        else failures.push({ plane: i, status, code });
        if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
      }
    }),
  );
  return {
    async waitForServed(count) {
      const target = served.map((n) => n + count);
      while (served.some((n, i) => n < target[i]!)) {
        if (failures.length > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      stopping = true;
      await Promise.all(clients);
      return { served, failures };
    },
  };
}

/**
 * Successful requests per key id in ClickHouse since `sinceMs` (the control plane's spend query,
 * by key; errors left out: a propagation probe may have met a data plane without the alias yet).
 */
export async function spendByKey(graphql: GraphQL, sinceMs: number): Promise<Map<string, number>> {
  const { spend } = await graphql<{ spend: { rows: Array<{ keyId: string | null; requests: number; errors: number }> } }>(
    `query($from: DateTime!, $to: DateTime!) { spend(from: $from, to: $to, groupBy: KEY) { rows { keyId requests errors } } }`,
    { from: new Date(sinceMs - 3_600_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() },
  );
  return new Map(spend.rows.filter((row) => row.keyId !== null).map((row) => [row.keyId!, row.requests - row.errors]));
}

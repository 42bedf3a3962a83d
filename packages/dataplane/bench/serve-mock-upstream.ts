import { startMockUpstream } from '../src/mock/mock-upstream.ts';

/**
 * Bench child: the mock provider alone, in its own process. Both the "direct" runs and the
 * data plane (through its provider's base URL) talk to this same process, so the upstream's
 * work is identical on both sides and gateway overhead = gateway latency − direct latency.
 * Prints `{"baseUrl","pid"}` on one line when listening.
 */
const mock = await startMockUpstream({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ baseUrl: mock.baseUrl, pid: process.pid })}\n`);

const stop = () => {
  void mock.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

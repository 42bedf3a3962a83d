/**
 * Run as a child process (`node --import tsx otel-load-probe.ts`): starts the data plane harness
 * with the environment's OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (or none), serves one chat
 * completion, shuts down, and prints as JSON the modules under `@opentelemetry` that the process
 * resolved meanwhile. Every module resolution after start-up is recorded by a resolve hook
 * (record-module-loads.mjs), so an import of any OpenTelemetry package, however indirect, shows.
 */
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const resolved: string[] = [];
port1.on('message', (url: string) => resolved.push(url));
register('./record-module-loads.mjs', { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });

const { startHarness } = await import('../dataplane-harness.ts');
const endpoint = process.env.PROBE_TRACES_ENDPOINT;
const h = await startHarness(endpoint === undefined ? {} : { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '10' });
const response = await fetch(`${h.url}/v1/chat/completions`, {
  method: 'POST',
  headers: { authorization: `Bearer ${h.activeKey}`, 'content-type': 'application/json', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
  body: JSON.stringify({ model: 'relay-mini', messages: [{ role: 'user', content: 'hello' }] }),
});
await response.arrayBuffer();
await h.close();
// The hooks run on their own thread: a last resolution marks the end of the stream of URLs.
const marker = `data:text/javascript,export default ${Date.now()}`;
await import(marker);
while (!resolved.includes(marker)) await new Promise((resolve) => setImmediate(resolve));
port1.close();
process.stdout.write(`${JSON.stringify({ status: response.status, modules: resolved.length, opentelemetry: resolved.filter((url) => url.includes('@opentelemetry')) })}\n`);
// fetch's idle keep-alive socket would hold the process for seconds more.
process.exit(0);

import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import { createControlplaneSink } from './controlplane-sink.ts';
import { createDiskErrors } from './disk-errors.ts';
import { openEventLog } from './event-log.ts';
import { createEventQueue, jsonLine } from './event-queue.ts';
import type { EventSink } from './event-sink.ts';

const logger = pino({ level: 'silent' });

/**
 * Issue 11, "compact events serialised once": each event is serialised once, when it is pushed;
 * the event log holds those bytes and the sink ships the same bytes (the control plane sink
 * splices them into its body instead of stringifying the batch again). Batches are large by
 * default (EVENT_BATCH_SIZE 10,000: an insert costs ClickHouse nearly the same for 500 events as
 * for 10,000), so they are also cut by bytes, well under the ingest's body limit.
 */
describe('issue 11: events serialised once on the data plane', () => {
  let dir: string;
  let server: Server;
  let url: string;
  const bodies: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relay-serialise-once-'));
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('hands the sink the JSON the event log wrote, and the control plane sink sends exactly those bytes', async () => {
    const logDir = join(dir, 'log');
    const log = await openEventLog({ dir: logDir, fsyncIntervalMs: 1_000, diskErrors: createDiskErrors(logger), logger });
    const received: Array<{ events: readonly RequestEvent[]; lines: readonly Buffer[] | undefined }> = [];
    const controlplane = createControlplaneSink({ controlplaneUrl: url, internalToken: 'token' });
    const sink: EventSink = {
      async write(batchId, events, lines) {
        received.push({ events, lines });
        await controlplane.write(batchId, events, lines);
      },
    };
    const queue = createEventQueue({ sink, batchSize: 100, flushIntervalMs: 60_000, maxQueued: 1_000, logger, log });
    const events = [testRequestEvent({ upstream_error_code: 'odd "text"\n😀' }), testRequestEvent({ cost_micros: 5 }), testRequestEvent()];
    for (const event of events) queue.push(event);
    await queue.flush();
    await queue.close();
    await log.close();

    const [segment] = (await readdir(logDir)).filter((name) => name.endsWith('.events'));
    const logged = (await readFile(join(logDir, segment!), 'utf8')).split('\n').slice(0, -1);
    expect(received).toHaveLength(1);
    expect(received[0]!.lines?.map((line) => line.toString('utf8'))).toEqual(logged.map((line) => `${line}\n`));
    expect(received[0]!.events).toEqual(events);
    const body = bodies.at(-1)!;
    expect(body).toContain(`[${logged.map((line) => `${line}\n`).join(',')}]`);
    expect(JSON.parse(body)).toEqual({ batchId: expect.any(String), events });
  });

  it('builds every batch body exactly, in a buffer reused from batch to batch, also for batches sent at once', async () => {
    const controlplane = createControlplaneSink({ controlplaneUrl: url, internalToken: 'token' });
    const batch = (count: number, model: string) => Array.from({ length: count }, (_, i) => testRequestEvent({ upstream_model: `${model}-${i}` }));
    const send = (batchId: string, events: RequestEvent[]) => controlplane.write(batchId, events, events.map(jsonLine));
    const sent: Array<{ batchId: string; events: RequestEvent[] }> = [];
    // Large, then smaller (old bytes past the end must not show), then larger than the kept buffer.
    for (const [batchId, events] of [['b-large', batch(50, 'long-model-name')], ['b-small', batch(2, 'x')], ['b-larger', batch(80, 'longer-model-name')]] as const) {
      await send(batchId, events);
      sent.push({ batchId, events });
    }
    // Two in flight together: each needs a buffer of its own.
    const together = [
      { batchId: 'b-one', events: batch(30, 'one') },
      { batchId: 'b-two', events: batch(40, 'two') },
    ];
    await Promise.all(together.map(({ batchId, events }) => send(batchId, events)));
    sent.push(...together);
    const got = bodies.slice(-sent.length).map((body) => JSON.parse(body) as { batchId: string; events: RequestEvent[] });
    expect(got.sort((a, b) => a.batchId.localeCompare(b.batchId))).toEqual(sent.sort((a, b) => a.batchId.localeCompare(b.batchId)));
  });

  it('cuts batches by bytes as well as by count', async () => {
    const sizes: number[] = [];
    const sink: EventSink = {
      async write(_batchId, events, lines) {
        sizes.push(events.length);
        expect(lines).toHaveLength(events.length);
      },
    };
    const big = () => testRequestEvent({ upstream_model: 'm'.repeat(512), alias: 'a'.repeat(256), upstream_error_code: 'e'.repeat(100) });
    const oneBytes = JSON.stringify(big()).length;
    const queue = createEventQueue({ sink, batchSize: 1_000, batchMaxBytes: oneBytes * 10, flushIntervalMs: 60_000, maxQueued: 10_000, logger });
    for (let i = 0; i < 25; i++) queue.push(big());
    await queue.flush();
    await queue.close();
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(25);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
    expect(sizes.length).toBeGreaterThanOrEqual(3);
  });

  it('encodes an event as its JSON and a newline, in UTF-8, whatever its strings hold', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), (alias, error) => {
        const event = testRequestEvent({ alias, error_code: error });
        expect(jsonLine(event).equals(Buffer.from(`${JSON.stringify(event)}\n`, 'utf8'))).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });
});

import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createControlplaneSink } from '@proxystacks/dataplane/events/controlplane-sink';
import { jsonLine } from '@proxystacks/dataplane/events/event-queue';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { MAX_BATCH_EVENTS, readEventBatch, type EventBatchHead } from './event-batch-reader.ts';

/** What a visitor saw: the events of the last start, and how often the reader started over. */
function read(body: string | Buffer, refuse?: (value: unknown, index: number) => void): EventBatchHead & { events: unknown[]; restarts: number } {
  let events: unknown[] = [];
  let restarts = 0;
  const head = readEventBatch(Buffer.isBuffer(body) ? body : Buffer.from(body), {
    event(value, index) {
      expect(index).toBe(events.length);
      refuse?.(value, index);
      events.push(value);
    },
    restart() {
      restarts++;
      events = [];
    },
  });
  return { ...head, events, restarts };
}

/** The body the data plane's control plane sink really sends for these events (captured over loopback). */
async function dataplaneBody(batchId: string, events: RequestEvent[]): Promise<Buffer> {
  let captured: Buffer | null = null;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      captured = Buffer.concat(chunks);
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":1}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const sink = createControlplaneSink({ controlplaneUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, internalToken: 'reader-test-token' });
    await sink.writeJsonLines!(batchId, events.map(jsonLine));
  } finally {
    server.close();
  }
  return captured!;
}

const events = [
  testRequestEvent({ request_id: 'req_a', upstream_error_code: 'quote " backslash \\ newline \n tab \t emoji 😀 \u2028 ]}\n,' }),
  testRequestEvent({ request_id: 'req_b', attempt_log: [] }),
  testRequestEvent({ request_id: 'req_c', cost_micros: 42 }),
];
const plain = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

describe('readEventBatch: an ingest body, one event at a time', () => {
  it("reads the data plane's body line by line, never starting over", async () => {
    const body = await dataplaneBody('batch-0001', events);
    const got = read(body);
    expect(got).toMatchObject({ batchId: 'batch-0001', count: 3, restarts: 0 });
    expect(got.events).toEqual(plain(events));
  });

  it('reads any other layout of the same batch whole, with the same result', () => {
    const batch = { batchId: 'batch-0002', events };
    const layouts = [
      JSON.stringify(batch),
      JSON.stringify(batch, null, 2),
      JSON.stringify({ events, batchId: 'batch-0002' }),
      `{"batchId":"batch-0002","events":[${events.map((e) => JSON.stringify(e)).join('\n ,')}\n]}`,
      // The line layout, but one event spread over lines: its first line does not parse.
      `{"batchId":"batch-0002","events":[${JSON.stringify(events[0])}\n,${JSON.stringify(events[1], null, 1)}\n,${JSON.stringify(events[2])}\n]}`,
      // The line layout but something after the array.
      `{"batchId":"batch-0002","events":[${events.map((e) => JSON.stringify(e)).join('\n,')}\n],"x":1}`,
    ];
    for (const layout of layouts) {
      let got: ReturnType<typeof read> | Error;
      try {
        got = read(layout);
      } catch (err) {
        got = err as Error;
      }
      if (layout.endsWith(',"x":1}')) {
        // Not a batch at all: refused, whichever way it was read.
        expect(got).toMatchObject({ code: 'invalid_value' });
        continue;
      }
      expect(got).toMatchObject({ batchId: 'batch-0002', count: 3 });
      expect((got as ReturnType<typeof read>).events).toEqual(plain(events));
    }
  });

  it('reads elements that are not objects exactly, so the validator sees what was sent', () => {
    const got = read('{"batchId":"batch-0003","events":[1\n,"two"\n,[3]\n,null\n]}');
    expect(got).toMatchObject({ count: 4, restarts: 0, events: [1, 'two', [3], null] });
  });

  it('reads any array laid out any way exactly as JSON.parse does (property)', () => {
    const separators = fc.constantFrom('\n,', ',', '\n ,', ' \n,', ',\n', '\n\n,');
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ maxDepth: 3 }), { minLength: 1, maxLength: 8 }), fc.array(separators, { minLength: 8, maxLength: 8 }), fc.boolean(), fc.constantFrom('\n]}', ']}', '\n]}\n', '\n] }'), (values, seps, pretty, close) => {
        const texts = values.map((v) => (pretty ? JSON.stringify(v, null, 1) : JSON.stringify(v)));
        const body = `{"batchId":"batch-prop-1","events":[${texts.map((t, i) => (i === 0 ? t : `${seps[i]}${t}`)).join('')}${close}`;
        const got = read(body);
        expect(got.events).toEqual((JSON.parse(body) as { events: unknown[] }).events);
        expect(got.count).toBe(values.length);
      }),
      { numRuns: 500 },
    );
  });

  it('decodes an escaped batch id', () => {
    const batchId = 'batch "quoted" \\ id';
    const got = read(`{"batchId":${JSON.stringify(batchId)},"events":[{}\n]}`);
    expect(got).toMatchObject({ batchId, count: 1, restarts: 0 });
  });

  it('refuses what is not a batch, in either layout', () => {
    const refusals: Array<[string, string]> = [
      ['not json', 'invalid_json'],
      ['{"batchId":"batch-0004","events":[{}\n,{', 'invalid_json'],
      ['{"batchId":"batch-0004","events":[{}\n,}\n]}', 'invalid_json'],
      ['{"batchId":"short","events":[{}\n]}', 'invalid_value'],
      ['{"batchId":12345678,"events":[{}\n]}', 'invalid_value'],
      ['{"batchId":"batch-0004","events":[]}', 'invalid_value'],
      ['{"batchId":"batch-0004","events":{}}', 'invalid_value'],
      ['{"batchId":"batch-0004","events":[{}\n],"more":true}', 'invalid_value'],
      ['{"events":[{}],"batchId":"batch-0004","more":true}', 'invalid_value'],
      [`{"batchId":"batch-0004","events":[${'{}\n,'.repeat(MAX_BATCH_EVENTS)}{}\n]}`, 'invalid_value'],
    ];
    for (const [body, code] of refusals) expect(() => read(body), body.slice(0, 60)).toThrow(expect.objectContaining({ code }));
  });

  it('lets the visitor refuse an event, at the event it refuses', () => {
    const refuse = (_value: unknown, index: number) => {
      if (index === 1) throw new Error('event 1 refused');
    };
    expect(() => read('{"batchId":"batch-0005","events":[{}\n,{}\n,{}\n]}', refuse)).toThrow('event 1 refused');
    expect(() => read('{"batchId":"batch-0005","events":[{},{},{}]}', refuse)).toThrow('event 1 refused');
  });
});

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRelayError } from '@proxystacks/shared/errors/relay-error';
import { createBodyBudget } from './body-budget.ts';
import { createBodyCollector, type BodyCollectorOptions } from './body-collector.ts';

interface CorpusCase {
  note: string;
  bodyHex: string;
  cuts: number[];
  maxBytes: number;
  declaredLength: number | null;
  expect: 'ok' | string;
}
const corpus = JSON.parse(readFileSync(new URL('./corpus/body-collector.json', import.meta.url), 'utf8')) as { cases: CorpusCase[] };

/** Splits `body` at `cuts` (sorted, within bounds) into chunks; the last one is flagged isLast. */
function chunksOf(body: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...cuts].map((c) => Math.max(0, Math.min(body.length, c))).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const point of points) {
    out.push(body.slice(from, point));
    from = point;
  }
  out.push(body.slice(from));
  return out;
}

/**
 * Feeds the chunks the way uWS does: each one in its own ArrayBuffer, which is wiped as soon as
 * push returns (uWS neuters it), so a collector that kept a reference would return zeros.
 */
function collect(body: Uint8Array, cuts: readonly number[], options: BodyCollectorOptions): { body: Buffer } | { code: string } {
  try {
    const collector = createBodyCollector(options);
    const chunks = chunksOf(body, cuts);
    for (let i = 0; i < chunks.length; i++) {
      const transport = new Uint8Array(chunks[i]!).buffer;
      const step = collector.push(transport, i === chunks.length - 1);
      new Uint8Array(transport).fill(0);
      if (step.done) return { body: step.body };
    }
    throw new Error('collector never finished');
  } catch (err) {
    if (isRelayError(err)) return { code: err.code };
    throw err;
  }
}

const bodyAndCuts = fc
  .uint8Array({ maxLength: 300 })
  .chain((body) => fc.tuple(fc.constant(body), fc.array(fc.integer({ min: 0, max: body.length }), { maxLength: 12 })));

describe('createBodyCollector', () => {
  it.each(corpus.cases)('corpus: $note', (c) => {
    const body = Buffer.from(c.bodyHex, 'hex');
    const out = collect(body, c.cuts, { maxBytes: c.maxBytes, declaredLength: c.declaredLength });
    if (c.expect === 'ok') expect(out).toEqual({ body });
    else expect(out).toEqual({ code: c.expect });
  });

  it('any chunking of any bytes yields the identical buffer', () => {
    fc.assert(
      fc.property(bodyAndCuts, fc.boolean(), ([body, cuts], declared) => {
        const out = collect(body, cuts, { maxBytes: body.length, declaredLength: declared ? body.length : null });
        expect(out).toEqual({ body: Buffer.from(body) });
      }),
    );
  });

  it('enforces the cap exactly, whatever the chunking: n bytes pass at cap n, n+1 are refused', () => {
    fc.assert(
      fc.property(bodyAndCuts.filter(([body]) => body.length > 0), fc.boolean(), ([body, cuts], declared) => {
        const atCap = collect(body, cuts, { maxBytes: body.length, declaredLength: declared ? body.length : null });
        expect(atCap).toEqual({ body: Buffer.from(body) });
        const overCap = collect(body, cuts, { maxBytes: body.length - 1, declaredLength: declared ? body.length : null });
        expect(overCap).toEqual({ code: 'body_too_large' });
      }),
    );
  });

  it('refuses a body that does not end at its Content-Length, whichever side it misses', () => {
    fc.assert(
      fc.property(bodyAndCuts, fc.integer({ min: 0, max: 400 }), ([body, cuts], declaredLength) => {
        fc.pre(declaredLength !== body.length);
        const out = collect(body, cuts, { maxBytes: 1_000, declaredLength });
        expect(out).toEqual({ code: 'invalid_content_length' });
      }),
    );
  });

  it('keeps within a shared budget and gives every byte back on release', () => {
    fc.assert(
      fc.property(fc.array(bodyAndCuts, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 1_000 }), (requests, budgetBytes) => {
        const budget = createBodyBudget(budgetBytes);
        const leases = requests.map(() => budget.lease());
        let accepted = 0;
        requests.forEach(([body, cuts], i) => {
          const out = collect(body, cuts, { maxBytes: 10_000, declaredLength: null, reserve: (bytes) => leases[i]!.reserve(bytes) });
          if ('body' in out) {
            expect(out.body).toEqual(Buffer.from(body));
            accepted += body.length;
          } else {
            expect(out).toEqual({ code: 'server_overloaded' });
          }
          expect(budget.reservedBytes()).toBeLessThanOrEqual(budgetBytes);
        });
        expect(accepted).toBeLessThanOrEqual(budgetBytes);
        for (const lease of leases) lease.release();
        expect(budget.reservedBytes()).toBe(0);
      }),
    );
  });

  it('stays refused after a refusal', () => {
    const collector = createBodyCollector({ maxBytes: 1, declaredLength: null });
    expect(() => collector.push(new Uint8Array(2), false)).toThrow(expect.objectContaining({ code: 'body_too_large' }));
    expect(() => collector.push(new Uint8Array(0), true)).toThrow(expect.objectContaining({ code: 'body_too_large' }));
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InFlightExchanges } from './in-flight-exchanges.ts';

const entry = (id: number) => ({ id, inFlightIndex: -1 });

describe('InFlightExchanges', () => {
  it('counts, lists and removes what was added, each once', () => {
    const inFlight = new InFlightExchanges<ReturnType<typeof entry>>();
    const [a, b, c] = [entry(1), entry(2), entry(3)];
    inFlight.add(a);
    inFlight.add(b);
    inFlight.add(a); // already in: no second slot
    inFlight.add(c);
    expect(inFlight.size).toBe(3);
    expect(inFlight.delete(a)).toBe(true);
    expect(inFlight.delete(a)).toBe(false);
    expect(a.inFlightIndex).toBe(-1);
    expect(inFlight.list().map((e) => e.id).sort()).toEqual([2, 3]);
    expect(inFlight.delete(entry(4))).toBe(false);
    expect(inFlight.size).toBe(2);
  });

  it('list() is a copy: removing entries while going through it skips none', () => {
    const inFlight = new InFlightExchanges<ReturnType<typeof entry>>();
    const all = [1, 2, 3, 4, 5].map(entry);
    for (const e of all) inFlight.add(e);
    const seen: number[] = [];
    for (const e of inFlight.list()) {
      seen.push(e.id);
      inFlight.delete(e);
    }
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(inFlight.size).toBe(0);
  });

  it('holds exactly the entries a Set would, in any order of adds and deletes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 19 })), { maxLength: 300 }), (steps) => {
        const entries = Array.from({ length: 20 }, (_, i) => entry(i));
        const inFlight = new InFlightExchanges<ReturnType<typeof entry>>();
        const model = new Set<number>();
        for (const [adding, i] of steps) {
          if (adding) {
            inFlight.add(entries[i]!);
            model.add(i);
          } else {
            expect(inFlight.delete(entries[i]!)).toBe(model.delete(i));
          }
          expect(inFlight.size).toBe(model.size);
        }
        expect(inFlight.list().map((e) => e.id).sort((x, y) => x - y)).toEqual([...model].sort((x, y) => x - y));
        // Each registered entry knows its slot; the others say -1.
        const listed = inFlight.list();
        for (const e of entries) expect(e.inFlightIndex === -1 ? !model.has(e.id) : listed[e.inFlightIndex] === e).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

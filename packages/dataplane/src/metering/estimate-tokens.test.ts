import { readFileSync } from 'node:fs';
import { countTokens } from 'gpt-tokenizer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ADMISSION_BYTE_BOUND_MAX_BYTES, EXACT_COUNT_MAX_CHARS, PIECE_MAX_CHARS, admissionPromptTokens, estimatePromptTokens, estimateTextTokens, estimateTokensOf } from './estimate-tokens.ts';

const exact = (text: string) => countTokens(text, { disallowedSpecial: new Set() });

/** Real text: the project's README (prose, tables, shell) and TypeScript source. */
const README = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
const SOURCE = readFileSync(new URL('../streaming/sse-relay.ts', import.meta.url), 'utf8');

/** `text` repeated with a shifting offset (so the tokenizer's cache does not see one block over and over) up to `chars`. */
function lengthen(text: string, chars: number): string {
  let out = text;
  for (let k = 1; out.length < chars; k++) out += `\n${text.slice((k * 997) % (text.length - 1))}`;
  return out.slice(0, chars);
}

function randomLetters(chars: number): string {
  let out = '';
  for (let i = 0; i < chars; i++) out += String.fromCharCode(97 + Math.floor(Math.random() * 26));
  return out;
}

describe('estimateTextTokens on ordinary text', () => {
  it('is exact up to the exact-count budget (pieces end where the tokenizer splits anyway)', async () => {
    for (const text of [README.slice(0, EXACT_COUNT_MAX_CHARS), SOURCE.slice(0, EXACT_COUNT_MAX_CHARS), 'Hello, Relay.', 'a  b\n\n  c\t d  e']) {
      expect(await estimateTextTokens(text)).toBe(exact(text));
    }
  });

  // Beyond the exact budget the count is a sample: on this mixed markdown (tables, shell,
  // prose) and TypeScript the error measured 0–3.7 %; 5 % leaves room for README edits.
  it('extrapolates longer prose and code to within 5 % of the exact count', async () => {
    for (const base of [README, SOURCE, `${README}\n\`\`\`ts\n${SOURCE}\n\`\`\`\n`]) {
      for (const chars of [20_000, 100_000, 400_000]) {
        const text = lengthen(base, chars);
        const truth = exact(text);
        const estimate = await estimateTextTokens(text);
        expect(Math.abs(estimate - truth) / truth).toBeLessThan(0.05);
      }
    }
  });

  it('counts special-token text as plain text instead of throwing', async () => {
    expect(await estimateTextTokens('before <|endoftext|> after')).toBeGreaterThan(3);
  });

  it('adds the chat format overhead per message', async () => {
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: [{ type: 'text' as const, text: 'Hello, Relay.' }] },
    ];
    expect(await estimatePromptTokens(messages)).toBe(3 + 3 * 2 + exact('Be brief.') + exact('Hello, Relay.'));
  });
});

describe('estimateTokensOf cost (issue 6: quadratic on runs without spaces)', () => {
  /** Runs the estimate with a counter that records what the tokenizer would have been given. */
  async function observe(texts: string[]): Promise<{ tokens: number; calls: number; charsCounted: number; longestPiece: number }> {
    let calls = 0;
    let charsCounted = 0;
    let longestPiece = 0;
    const tokens = await estimateTokensOf(texts, (piece) => {
      calls++;
      charsCounted += piece.length;
      longestPiece = Math.max(longestPiece, piece.length);
      return exact(piece);
    });
    return { tokens, calls, charsCounted, longestPiece };
  }

  it('hands the tokenizer short pieces and a bounded total, however long the run without spaces', async () => {
    const text = randomLetters(1_000_000);
    const seen = await observe([text]);
    expect(seen.longestPiece).toBeLessThanOrEqual(PIECE_MAX_CHARS);
    expect(seen.charsCounted).toBeLessThanOrEqual(EXACT_COUNT_MAX_CHARS);
    // Random lowercase letters are about 0.52 tokens per character under o200k.
    expect(seen.tokens / text.length).toBeGreaterThan(0.45);
    expect(seen.tokens / text.length).toBeLessThan(0.6);
  });

  it('bounds the work over many messages too', async () => {
    const messages = Array.from({ length: 2_000 }, (_, i) => `${i}:${randomLetters(500)}`);
    const seen = await observe(messages);
    expect(seen.longestPiece).toBeLessThanOrEqual(PIECE_MAX_CHARS);
    expect(seen.charsCounted).toBeLessThanOrEqual(EXACT_COUNT_MAX_CHARS);
    expect(seen.calls).toBeLessThan(200);
  });

  it('never splits a surrogate pair', async () => {
    const text = '😀'.repeat(50_000);
    const pieces: string[] = [];
    await estimateTokensOf([text], (piece) => {
      pieces.push(piece);
      return exact(piece);
    });
    // A lone surrogate would round-trip through UTF-8 as U+FFFD.
    for (const piece of pieces) expect(Buffer.from(piece).toString('utf8')).toBe(piece);
  });

  it('gives the event loop a turn between bounded slices of work', async () => {
    let turn = 0;
    let ticking = true;
    const tick = () => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const charsPerTurn = new Map<number, number>();
    await estimateTokensOf([randomLetters(200_000)], (piece) => {
      charsPerTurn.set(turn, (charsPerTurn.get(turn) ?? 0) + piece.length);
      return exact(piece);
    });
    ticking = false;
    expect(charsPerTurn.size).toBeGreaterThan(4);
    expect(Math.max(...charsPerTurn.values())).toBeLessThanOrEqual(2_048 + PIECE_MAX_CHARS);
  });
});

describe('admissionPromptTokens (issue 8: what admission reserves for the prompt)', () => {
  it('reserves a short prompt at its UTF-8 length without tokenising it, and never less than the estimate', async () => {
    const messages = [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Grüße 👋' }];
    const reserved = admissionPromptTokens(messages);
    expect(reserved).toBe(3 + 3 * 2 + Buffer.byteLength('Be brief.') + Buffer.byteLength('Grüße 👋'));
    expect(reserved).toBeGreaterThanOrEqual(await estimatePromptTokens(messages));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { minLength: 1, maxLength: 4 }), async (texts) => {
        const asMessages = texts.map((content) => ({ role: 'user' as const, content }));
        const bound = admissionPromptTokens(asMessages);
        const estimate = await estimatePromptTokens(asMessages);
        if (typeof bound === 'number') expect(bound).toBeGreaterThanOrEqual(estimate);
        else expect(await bound).toBe(estimate);
      }),
      { numRuns: 300 },
    );
  });

  it('estimates a prompt over the bound as usual', async () => {
    const long = [{ role: 'user' as const, content: 'word '.repeat(ADMISSION_BYTE_BOUND_MAX_BYTES / 5 + 1) }];
    const reserved = admissionPromptTokens(long);
    expect(typeof reserved).not.toBe('number');
    expect(await reserved).toBe(await estimatePromptTokens(long));
    const several = Array.from({ length: 5 }, () => ({ role: 'user' as const, content: 'x'.repeat(ADMISSION_BYTE_BOUND_MAX_BYTES / 4) }));
    expect(await admissionPromptTokens(several)).toBe(await estimatePromptTokens(several));
  });
});

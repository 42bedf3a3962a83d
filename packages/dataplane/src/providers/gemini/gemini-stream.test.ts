import { describe, expect, it } from 'vitest';
import { translateGeminiStream } from './gemini-stream.ts';

async function translate(raw: string, splitEvery = 7): Promise<string[]> {
  async function* bytes() {
    const buffer = Buffer.from(raw);
    for (let i = 0; i < buffer.length; i += splitEvery) yield buffer.subarray(i, i + splitEvery);
  }
  let out = '';
  for await (const chunk of translateGeminiStream(bytes(), { id: 'chatcmpl-1', created: 1, model: 'm', maxEventBytes: 1 << 20 })) out += Buffer.from(chunk).toString('utf8');
  return out.split('\n\n').filter((block) => block.startsWith('data: ')).map((block) => block.slice(6));
}
const event = (body: unknown) => `data: ${JSON.stringify(body)}\r\n\r\n`;
const parse = (data: string) => JSON.parse(data) as { choices: Array<{ index: number; delta: Record<string, unknown>; finish_reason: string | null }>; usage?: Record<string, unknown> };

describe('translateGeminiStream', () => {
  it('opens with a role chunk, relays text, closes with the finish reason, the last usage and [DONE]', async () => {
    const out = await translate(
      event({ candidates: [{ content: { role: 'model', parts: [{ text: 'Hel' }] } }], usageMetadata: { promptTokenCount: 4 } }) +
        event({ candidates: [{ content: { role: 'model', parts: [{ text: 'lo' }] }, finishReason: 'MAX_TOKENS' }], usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2, thoughtsTokenCount: 3 } }),
    );
    expect(out.at(-1)).toBe('[DONE]');
    const chunks = out.slice(0, -1).map(parse);
    expect(chunks.map((c) => c.choices[0]?.delta)).toEqual([{ role: 'assistant', content: '' }, { content: 'Hel' }, { content: 'lo' }, {}, undefined]);
    expect(chunks[3]!.choices[0]!.finish_reason).toBe('length');
    expect(chunks[4]!.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 5, completion_tokens_details: { reasoning_tokens: 3 } });
  });

  it('emits each whole function call as a head delta (index, id, name) and an arguments delta, parallel calls by index', async () => {
    const out = await translate(event({ candidates: [{ content: { parts: [{ functionCall: { name: 'a', args: { x: 1 } } }, { functionCall: { name: 'b', args: {} } }] }, finishReason: 'STOP' }] }), 50);
    const deltas = out.slice(0, -1).map(parse).flatMap((c) => c.choices.flatMap((choice) => (choice.delta.tool_calls as unknown[]) ?? []));
    expect(deltas).toMatchObject([
      { index: 0, type: 'function', function: { name: 'a', arguments: '' } },
      { index: 0, function: { arguments: '{"x":1}' } },
      { index: 1, type: 'function', function: { name: 'b', arguments: '' } },
      { index: 1, function: { arguments: '{}' } },
    ]);
    expect((deltas[0] as { id: string }).id).toMatch(/^call_/);
    expect(out.map((d) => (d === '[DONE]' ? d : parse(d).choices[0]?.finish_reason)).filter(Boolean)).toEqual(['tool_calls', '[DONE]']);
  });

  it('turns an in-stream Gemini error (SSE or bare JSON) into an error event with only its status, and no [DONE]', async () => {
    for (const failure of [event({ error: { code: 500, message: 'secret project 123', status: 'INTERNAL' } }), '{"error":{"code":503,"message":"x","status":"UNAVAILABLE"}}\n']) {
      const out = await translate(event({ candidates: [{ content: { parts: [{ text: 'Hi' }] } }] }) + failure);
      expect(out).not.toContain('[DONE]');
      expect(out.at(-1)).toMatch(/^\{"error":\{"type":"upstream_error","code":"(INTERNAL|UNAVAILABLE)"\}\}$/);
    }
  });

  it('ends without [DONE] when the upstream stops before a finish reason (the relay reports it as interrupted)', async () => {
    const out = await translate(event({ candidates: [{ content: { parts: [{ text: 'Hi' }] } }] }));
    expect(out).not.toContain('[DONE]');
  });
});

import type { ChatCompletion, ChatCompletionChunk, ChatToolCall, ChatUsage, FinishReason } from '@proxystacks/shared/openai/wire';
import { eventData } from '../streaming/sse-scanner.ts';

interface ChoiceDraft {
  content: string;
  sawContent: boolean;
  toolCalls: ChatToolCall[];
  finishReason: FinishReason | null;
}

/**
 * Rebuilds the whole chat completion from a relayed stream's OpenAI chunks, so a streamed
 * answer can be cached in the one form every replay starts from. Used only on aliases with a
 * cache: it parses every event, which the relay itself avoids. Tool-call fragments are joined
 * by their `index` (id and name first, then argument pieces).
 */
export function createCompletionAssembler() {
  let head: Pick<ChatCompletion, 'id' | 'created' | 'model'> | null = null;
  const choices = new Map<number, ChoiceDraft>();
  let usage: ChatUsage | null = null;
  let broken = false;

  return {
    /** One whole `data: …` event from the upstream. */
    push(event: Buffer): void {
      if (broken) return;
      const data = eventData(event);
      if (data === null || data === '[DONE]') return;
      let chunk: ChatCompletionChunk;
      try {
        chunk = JSON.parse(data) as ChatCompletionChunk;
      } catch {
        broken = true;
        return;
      }
      head ??= { id: chunk.id, created: chunk.created, model: chunk.model };
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices ?? []) {
        const draft = choices.get(c.index) ?? { content: '', sawContent: false, toolCalls: [], finishReason: null };
        choices.set(c.index, draft);
        if (typeof c.delta?.content === 'string') {
          draft.content += c.delta.content;
          draft.sawContent = true;
        }
        for (const d of c.delta?.tool_calls ?? []) {
          const call = (draft.toolCalls[d.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
          if (d.id) call.id = d.id;
          if (d.function?.name) call.function.name += d.function.name;
          if (d.function?.arguments) call.function.arguments += d.function.arguments;
        }
        if (c.finish_reason) draft.finishReason = c.finish_reason;
      }
    },
    /** Each choice's finish reason, by index. */
    finishReasons(): Array<string | null> {
      return [...choices.values()].map((draft) => draft.finishReason);
    },
    /** The completion in OpenAI JSON, or null when the stream could not be read back whole. */
    completion(): Buffer | null {
      if (broken || head === null || choices.size === 0) return null;
      const completion: ChatCompletion = {
        ...head,
        object: 'chat.completion',
        choices: [...choices.entries()]
          .sort(([a], [b]) => a - b)
          .map(([index, draft]) => ({
            index,
            message: {
              role: 'assistant',
              content: draft.sawContent || draft.toolCalls.length === 0 ? draft.content : null,
              ...(draft.toolCalls.length > 0 ? { tool_calls: draft.toolCalls.filter(Boolean) } : {}),
            },
            finish_reason: draft.finishReason,
          })),
        ...(usage === null ? {} : { usage }),
      };
      return Buffer.from(JSON.stringify(completion));
    },
  };
}

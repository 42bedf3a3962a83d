import type { AnthropicMessage, AnthropicToolUseBlock } from '@proxystacks/shared/anthropic/messages-wire';
import type { ChatCompletion, ChatToolCall } from '@proxystacks/shared/openai/wire';
import { toFinishReason } from './finish-reason.ts';
import { toChatUsage } from './usage.ts';

/**
 * An Anthropic answer as an OpenAI chat completion: text blocks joined into `content`,
 * `tool_use` blocks as `tool_calls` (input re-serialised as the arguments string), thinking as
 * `reasoning_content` (the field DeepSeek and others use for it). In JSON mode the answer
 * tool's input is the content and any free text around it is dropped, so the content parses
 * (a forced tool call comes without text anyway).
 * `created` is the gateway's clock: Anthropic answers carry no timestamp.
 */
export function fromAnthropicMessage(message: AnthropicMessage, jsonToolName: string | null, createdS: number): ChatCompletion {
  let text = '';
  let reasoning = '';
  let jsonAnswer: string | null = null;
  const toolCalls: ChatToolCall[] = [];
  for (const block of message.content ?? []) {
    if (block.type === 'text' && typeof block.text === 'string') {
      text += block.text;
    } else if (block.type === 'thinking' && typeof block.thinking === 'string') {
      reasoning += block.thinking;
    } else if (block.type === 'tool_use') {
      const call = block as AnthropicToolUseBlock;
      const args = JSON.stringify(call.input ?? {});
      if (call.name === jsonToolName) jsonAnswer = (jsonAnswer ?? '') + args;
      else toolCalls.push({ id: call.id, type: 'function', function: { name: call.name, arguments: args } });
    }
  }
  const content = jsonAnswer ?? (text === '' && toolCalls.length > 0 ? null : text);
  return {
    id: message.id,
    object: 'chat.completion',
    created: createdS,
    model: message.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          ...(reasoning === '' ? {} : { reasoning_content: reasoning }),
        },
        logprobs: null,
        finish_reason: toFinishReason(message.stop_reason, toolCalls.length > 0),
      },
    ],
    usage: toChatUsage(message.usage ?? {}),
  };
}

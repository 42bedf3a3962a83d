import type { ChatCompletion, ChatCompletionChunk } from '@proxystacks/shared/openai/wire';

/**
 * A cached completion as the SSE stream an OpenAI upstream would have sent (fed through the
 * same relay as a live stream, so every surface renders and meters it the same way): per
 * choice a role-and-content chunk, a tool-calls chunk, a finish chunk; then the usage chunk
 * (`choices: []`) and `[DONE]`. One chunk per part, not per token: the answer is already whole.
 */
export async function* replayAsStream(completion: ChatCompletion): AsyncGenerator<Uint8Array> {
  const base = { id: completion.id, object: 'chat.completion.chunk' as const, created: completion.created, model: completion.model };
  const events: string[] = [];
  const emit = (choices: ChatCompletionChunk['choices'], usage?: ChatCompletionChunk['usage']) =>
    events.push(`data: ${JSON.stringify({ ...base, choices, ...(usage === undefined ? {} : { usage }) })}\n\n`);
  for (const choice of completion.choices) {
    const { index, message } = choice;
    emit([{ index, delta: { role: 'assistant', content: message.content ?? '' }, finish_reason: null }]);
    if (message.tool_calls && message.tool_calls.length > 0) {
      const tool_calls = message.tool_calls.map((call, i) => ({ index: i, id: call.id, type: call.type, function: { name: call.function.name, arguments: call.function.arguments } }));
      emit([{ index, delta: { tool_calls }, finish_reason: null }]);
    }
    emit([{ index, delta: {}, finish_reason: choice.finish_reason }]);
  }
  if (completion.usage) emit([], completion.usage);
  events.push('data: [DONE]\n\n');
  yield Buffer.from(events.join(''));
}

import type { ChatCompletion, ChatUsage } from '@proxystacks/shared/openai/wire';
import type { ResponseOutputItem, ResponseOutputMessage } from '@proxystacks/shared/openai/responses-wire';
import { outputItemId, responseObject, responseUsage, statusOf, type ResponseContext } from './response-object.ts';

type Completion = Partial<Pick<ChatCompletion, 'model' | 'choices'>> & { usage?: ChatUsage | null };

/**
 * An upstream's whole chat completion (OpenAI JSON, whichever provider answered) as a
 * `response` object: the text (or refusal) as one message item, then one `function_call` item
 * per tool call, in the order the model made them; `length` → status `incomplete`.
 */
export function renderResponseJson(completionJson: Buffer, context: ResponseContext): Buffer {
  const completion = JSON.parse(completionJson.toString('utf8')) as Completion;
  const choice = completion.choices?.[0];
  const message = choice?.message;
  const { status, incomplete_details } = statusOf(choice?.finish_reason ?? '');
  const output: ResponseOutputItem[] = [];
  const text = typeof message?.content === 'string' ? message.content : '';
  const refusal = typeof message?.refusal === 'string' && message.refusal !== '' ? message.refusal : null;
  if (text !== '' || refusal !== null) {
    const item: ResponseOutputMessage = { type: 'message', id: outputItemId(context, 'msg', 0), status: status === 'completed' ? 'completed' : 'incomplete', role: 'assistant', content: [] };
    if (text !== '') item.content.push({ type: 'output_text', text, annotations: [], logprobs: [] });
    if (refusal !== null) item.content.push({ type: 'refusal', refusal });
    output.push(item);
  }
  for (const call of message?.tool_calls ?? []) {
    output.push({ type: 'function_call', id: outputItemId(context, 'fc', output.length), status: 'completed', call_id: call.id, name: call.function.name, arguments: call.function.arguments });
  }
  const response = responseObject(context, completion.model ?? context.request.model, status, output, responseUsage(context, completion.usage));
  response.incomplete_details = incomplete_details;
  return Buffer.from(JSON.stringify(response));
}

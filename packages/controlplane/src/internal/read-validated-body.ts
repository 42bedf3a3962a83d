import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { RelayError } from '@proxystacks/shared/errors/relay-error';
import { toOpenAIError } from '@proxystacks/shared/errors/openai-error';
import { readLimitedBody } from './ingest-events.ts';

/**
 * Reads an internal endpoint's JSON body and validates it with `schema`. On any failure the
 * OpenAI-shaped error is already answered (413 past `maxBytes`, 400 `invalid_json`, 400
 * `invalid_value` naming the first bad field as `param`) and the result is null.
 * `what` names the body in messages ("Quota demand"); `requestId` labels the error body.
 */
export async function readValidatedBody<T>(
  req: IncomingMessage,
  res: ServerResponse,
  spec: { maxBytes: number; schema: z.ZodType<T>; what: string; requestId: string },
): Promise<T | null> {
  const { maxBytes, schema, what } = spec;
  const refuse = (err: RelayError): null => {
    sendInternalError(res, err, spec.requestId);
    return null;
  };
  const raw = await readLimitedBody(req, maxBytes);
  if (raw === 'too large') return refuse(new RelayError('body_too_large', `${what} larger than ${maxBytes} bytes.`));
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return refuse(new RelayError('invalid_json', 'Body is not JSON.'));
  }
  const result = schema.safeParse(parsed);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const param = issue.path.join('.');
  return refuse(new RelayError('invalid_value', `Invalid ${what.toLowerCase()}: ${param === '' ? '' : `${param}: `}${issue.message}.`, { param: param || null }));
}

/** Answers an internal endpoint's error as OpenAI-shaped JSON (nothing when the caller is gone). */
export function sendInternalError(res: ServerResponse, err: unknown, requestId: string): void {
  if (res.destroyed) return;
  const { status, body } = toOpenAIError(err, requestId);
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

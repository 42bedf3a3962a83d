import { randomBytes } from 'node:crypto';

/**
 * OpenAI tool call ids for Gemini function calls, which carry the call's thought signature.
 *
 * Gemini 3 models attach an opaque `thoughtSignature` to a `functionCall` part and answer 400
 * ("Function call is missing a thought_signature") when a later turn sends that call back
 * without it. OpenAI clients only send back what the OpenAI wire has, the tool call's `id`, so
 * the signature travels inside the id: stateless, and it survives any client that keeps ids.
 * Reference: https://ai.google.dev/gemini-api/docs/thought-signatures
 */
const SIGNATURE_MARK = '__thought__';

/** A fresh id for one call of one answer (the same id in every chunk of a stream). */
export function newToolCallId(signature?: string): string {
  const id = `call_${randomBytes(12).toString('hex')}`;
  return signature === undefined || signature === '' ? id : `${id}${SIGNATURE_MARK}${signature}`;
}

/** The thought signature an id carries, if any. */
export function signatureOfToolCallId(id: string): string | undefined {
  const at = id.indexOf(SIGNATURE_MARK);
  if (at === -1) return undefined;
  const signature = id.slice(at + SIGNATURE_MARK.length);
  return signature === '' ? undefined : signature;
}

import type { ErrorCode } from '@proxystacks/shared/errors/error-codes';

/** What the client sees for one well-known provider error code: our code and our own words. */
export interface UpstreamCodeSummary {
  readonly code: ErrorCode;
  readonly message: string;
}

/**
 * Provider error codes (OpenAI's `error.code`, which DeepSeek, vLLM, Groq… reuse) that tell a
 * client how to fix its request, each mapped to the same code on our side (so SDK handling
 * written against OpenAI keeps working) and a message in our own words. The provider's free
 * text is never shown: providers put organisation and account ids in it. Codes not listed here
 * reach the client as `upstream_invalid_request` with the provider's code named in the message.
 * Source: https://platform.openai.com/docs/guides/error-codes and the `code` values OpenAI's API
 * answers with.
 */
export const KNOWN_UPSTREAM_CODES: Readonly<Record<string, UpstreamCodeSummary>> = {
  context_length_exceeded: {
    code: 'context_length_exceeded',
    message: 'The request is longer than the model’s context window: shorten the messages or lower max_tokens.',
  },
  string_above_max_length: {
    code: 'invalid_value',
    message: 'A string in the request is longer than the upstream provider accepts.',
  },
  invalid_value: { code: 'invalid_value', message: 'The upstream provider rejected a value in the request as invalid.' },
  invalid_type: { code: 'invalid_type', message: 'The upstream provider rejected a value in the request as being of the wrong type.' },
  missing_required_parameter: {
    code: 'missing_required_parameter',
    message: 'The upstream provider requires a parameter the request does not have.',
  },
  unsupported_parameter: { code: 'unsupported_parameter', message: 'The model does not support a parameter in the request.' },
  unsupported_value: { code: 'unsupported_value', message: 'The model does not support a value in the request.' },
  invalid_image_url: { code: 'invalid_value', message: 'The upstream provider could not use an image URL in the request.' },
  image_parse_error: { code: 'invalid_value', message: 'The upstream provider could not read an image in the request.' },
  content_policy_violation: {
    code: 'content_policy_violation',
    message: 'The upstream provider refused the request under its usage policies.',
  },
  content_filter: { code: 'content_policy_violation', message: 'The upstream provider refused the request under its usage policies.' },
};

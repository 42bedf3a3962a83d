import { RelayError } from '../errors/relay-error.ts';

/**
 * The refusals of a request validator, in OpenAI's own wording and codes, each naming the
 * offending `param` (a path such as `input[0].content[1].image_url`).
 */

/** 400 `missing_required_parameter`. */
export function missingParameter(param: string): RelayError {
  return new RelayError('missing_required_parameter', `Missing required parameter: '${param}'.`, { param });
}

/** 400 `invalid_type`; `expected` reads after "expected", e.g. "a string". */
export function invalidType(param: string, expected: string): RelayError {
  return new RelayError('invalid_type', `Invalid type for '${param}': expected ${expected}.`, { param });
}

/** 400 `invalid_value`; `reason` says what a valid value is. */
export function invalidValue(param: string, reason: string): RelayError {
  return new RelayError('invalid_value', `Invalid value for '${param}': ${reason}.`, { param });
}

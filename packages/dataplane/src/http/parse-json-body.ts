import { RelayError } from '@proxystacks/shared/errors/relay-error';
import { scanJsonShape } from './scan-json-shape.ts';

/**
 * A request body as JSON: its depth and size checked first, in one pass over the bytes
 * (JSON.parse and any re-serialisation are recursive and superlinear on hostile shapes,
 * issue 6), then parsed; 400 `invalid_json` with OpenAI's own wording when it is not JSON.
 */
export function parseJsonBody(body: Buffer): unknown {
  scanJsonShape(body);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new RelayError(
      'invalid_json',
      'We could not parse the JSON body of your request. (HINT: This likely means you aren’t using your HTTP library correctly. The body must be JSON.)',
    );
  }
}

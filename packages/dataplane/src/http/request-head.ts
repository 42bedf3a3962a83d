import type { HttpRequest } from 'uWebSockets.js';
import { RelayError } from '@proxystacks/shared/errors/relay-error';

/**
 * Limits on the request line and headers that the JS side enforces. uWS v20.30 accepts URLs and
 * header blocks of hundreds of kilobytes and hands them to us; these answer 414 and 431 instead.
 * 8 KiB is the URL limit most servers and balancers share (nginx's large_client_header_buffers,
 * RFC 9110 §4.1 recommends supporting at least 8,000 octets); 32 KiB of headers leaves room for
 * large cookies and tracing headers. What uWS itself refuses or swallows is in infra/http-edge.md.
 */
export const REQUEST_HEAD_LIMITS = { maxUrlBytes: 8_192, maxHeaderBytes: 32_768 } as const;

/**
 * Checks what a request's head says before anything else reads it: URL length (414), header
 * block size (431), and that Content-Length appears at most once or with one value (400: uWS
 * frames the body by the first one, so two different values mean a proxy in front may have
 * framed it by the other; RFC 9112 §6.3 says to reject it). Must run synchronously in the handler.
 *
 * Returns the refusal, or null when the head is acceptable.
 */
export function checkRequestHead(req: HttpRequest, limits = REQUEST_HEAD_LIMITS): RelayError | null {
  const url = req.getUrl();
  const query = req.getQuery() ?? '';
  if (url.length + query.length + 1 > limits.maxUrlBytes) {
    return new RelayError('uri_too_long', `The request URL is longer than the limit of ${limits.maxUrlBytes} bytes.`);
  }
  let headerBytes = 0;
  let contentLength: string | null = null;
  let conflictingLength = false;
  req.forEach((name, value) => {
    headerBytes += name.length + value.length + 4; // ": " and CRLF
    if (name !== 'content-length') return;
    const trimmed = value.trim();
    if (contentLength !== null && trimmed !== contentLength) conflictingLength = true;
    contentLength = trimmed;
  });
  if (headerBytes > limits.maxHeaderBytes) {
    return new RelayError('request_header_fields_too_large', `The request headers are larger than the limit of ${limits.maxHeaderBytes} bytes.`);
  }
  if (conflictingLength) {
    return new RelayError('invalid_content_length', 'The request has more than one Content-Length header with different values.');
  }
  return null;
}

import net from 'node:net';

/** One HTTP/1.1 response read off a raw socket (Content-Length framed; that is all the data plane sends for errors). */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What a raw exchange ended with: every complete response in order, and how the socket ended. */
export interface RawOutcome {
  responses: RawResponse[];
  /** 'closed' when the server closed the socket, 'open' when we stopped waiting with it still open. */
  ended: 'closed' | 'open';
  /** Bytes received after the last complete response (a partial answer). */
  leftover: string;
}

/**
 * Writes `payload` to a fresh loopback connection and collects responses until the server
 * closes the socket, `expectResponses` complete responses have arrived, or `waitMs` passes
 * (then `ended` is 'open': the server neither answered nor closed, which is what a hang is).
 */
export function rawExchange(port: number, payload: string | Buffer, options: { expectResponses?: number; waitMs?: number } = {}): Promise<RawOutcome> {
  const { expectResponses = Infinity, waitMs = 5_000 } = options;
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (ended: RawOutcome['ended']): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...parseResponses(received), ended });
    };
    const timer = setTimeout(() => finish('open'), waitMs);
    socket.on('data', (data) => {
      received = Buffer.concat([received, data]);
      if (parseResponses(received).responses.length >= expectResponses) finish('open');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => finish('closed'));
    socket.write(payload);
  });
}

function parseResponses(bytes: Buffer): { responses: RawResponse[]; leftover: string } {
  const responses: RawResponse[] = [];
  let text = bytes.toString('latin1');
  for (;;) {
    const headEnd = text.indexOf('\r\n\r\n');
    if (headEnd < 0) break;
    const [statusLine, ...lines] = text.slice(0, headEnd).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    if (text.length < headEnd + 4 + length) break;
    responses.push({ status: Number(statusLine!.split(' ')[1]), headers, body: text.slice(headEnd + 4, headEnd + 4 + length) });
    text = text.slice(headEnd + 4 + length);
  }
  return { responses, leftover: text };
}

/** A request head for raw sockets; `headers` are written in order, duplicates allowed. */
export function rawHead(requestLine: string, headers: Array<[string, string]>): string {
  return `${requestLine}\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
}

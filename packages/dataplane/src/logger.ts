import { pino, type Logger } from 'pino';

/** JSON lines on stderr; authorization headers and credentials are redacted if ever logged. */
export function createDataplaneLogger(level: string): Logger {
  return pino(
    {
      name: 'relay-dataplane',
      level,
      redact: { paths: ['authorization', '*.authorization', 'credential', '*.credential', '*.headers.authorization'], censor: '[redacted]' },
    },
    pino.destination(2),
  );
}

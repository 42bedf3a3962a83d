import { pino, type Logger } from 'pino';

/**
 * The process logger: JSON lines on stderr, with every place a secret could appear redacted.
 * Redaction is a second line of defence; the first is never logging secrets at all.
 */
export function createLogger(level: string, name = 'relay'): Logger {
  return pino(
    {
      name,
      level,
      redact: {
        paths: [
          'authorization',
          '*.authorization',
          'headers.authorization',
          '*.headers.authorization',
          'credential',
          '*.credential',
          'secret',
          '*.secret',
          'token',
          '*.token',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination(2),
  );
}

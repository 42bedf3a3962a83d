import { describe, expect, it } from 'vitest';
import { EnvReader } from './env-reader.ts';

describe('EnvReader', () => {
  it('uses defaults for unset and empty values', () => {
    const read = new EnvReader({ EMPTY: '  ' });
    expect(read.port('EMPTY', 8080)).toBe(8080);
    expect(read.string('MISSING', 'x')).toBe('x');
    expect(read.url('EMPTY', ['http:'])).toBeNull();
    read.finish('test');
  });

  it('names every bad value in one error', () => {
    const read = new EnvReader({ A_PORT: 'eighty', B_PORT: '70000', LEVEL: 'loud', URL: 'ftp://x' });
    read.port('A_PORT', 1);
    read.port('B_PORT', 1);
    read.oneOf('LEVEL', ['info', 'warn'], 'info');
    read.url('URL', ['http:', 'https:']);
    expect(() => read.finish('test')).toThrow(/A_PORT[\s\S]*B_PORT[\s\S]*LEVEL[\s\S]*URL/);
  });

  it('never quotes a secret or a URL with credentials in its messages', () => {
    const read = new EnvReader({ SECRET: 'short-hunter2', DB: 'not a url with hunter3' });
    read.secret('SECRET', { required: true, minLength: 32 });
    read.url('DB', ['postgres:']);
    read.secret('REQUIRED', { required: true, minLength: 1 });
    let message = '';
    try {
      read.finish('test');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('SECRET must be at least 32 characters');
    expect(message).toContain('REQUIRED is required');
    expect(message).not.toContain('hunter');
  });
});

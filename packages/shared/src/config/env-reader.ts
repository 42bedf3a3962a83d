/**
 * Reads configuration from environment variables, collecting every problem before failing, so
 * a bad start names all wrong values at once (`CONTROLPLANE_PORT: expected a port 0-65535, got
 * "abc"`) instead of one per restart. An empty string counts as unset: shells and compose
 * files often export `VAR=` meaning "no value".
 *
 * Messages quote the offending value only for settings that are not secret.
 */
export class EnvReader {
  readonly #env: Record<string, string | undefined>;
  readonly #problems: string[] = [];

  constructor(env: Record<string, string | undefined>) {
    this.#env = env;
  }

  /** The raw value, or undefined when unset or empty. */
  raw(name: string): string | undefined {
    const value = this.#env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optionalString(name: string): string | null {
    return this.raw(name) ?? null;
  }

  /** A secret: never quoted in messages. `minLength` guards against toy values in production. */
  secret(name: string, options: { required: true; minLength: number }): string;
  secret(name: string, options: { required: false; minLength: number }): string | null;
  secret(name: string, options: { required: boolean; minLength: number }): string | null {
    const value = this.raw(name);
    if (value === undefined) {
      if (options.required) this.problem(name, 'is required');
      return options.required ? '' : null;
    }
    if (value.length < options.minLength) this.problem(name, `must be at least ${options.minLength} characters long`);
    return value;
  }

  integer(name: string, fallback: number, range: { min: number; max: number }): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < range.min || parsed > range.max) {
      this.problem(name, `expected an integer from ${range.min} to ${range.max}, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return parsed;
  }

  port(name: string, fallback: number): number {
    return this.integer(name, fallback, { min: 0, max: 65_535 });
  }

  /** `true`/`false` (also `1`/`0`, `yes`/`no`, any case). */
  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (value === 'true' || value === '1' || value === 'yes') return true;
    if (value === 'false' || value === '0' || value === 'no') return false;
    this.problem(name, `expected true or false, got ${JSON.stringify(this.raw(name))}`);
    return fallback;
  }

  oneOf<const T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      this.problem(name, `expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value as T;
  }

  /** A URL with one of `protocols`. Credentials inside it are never echoed back. */
  url(name: string, protocols: readonly string[]): string | null {
    const value = this.raw(name);
    if (value === undefined) return null;
    let parsed: URL | null = null;
    try {
      parsed = new URL(value);
    } catch {
      parsed = null;
    }
    if (parsed === null || !protocols.includes(parsed.protocol)) {
      this.problem(name, `expected a ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL`);
      return null;
    }
    return value;
  }

  /** Adds a problem found by the caller's own check. */
  problem(name: string, message: string): void {
    this.#problems.push(`${name} ${message}`);
  }

  /** Throws one error listing every problem, or returns when there are none. */
  finish(what: string): void {
    if (this.#problems.length === 0) return;
    throw new Error(`Invalid ${what} configuration:\n  - ${this.#problems.join('\n  - ')}`);
  }
}

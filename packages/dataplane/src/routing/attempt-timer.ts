import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { CompiledDeployment } from '../snapshot/compiled-snapshot.ts';

/**
 * Which per-attempt limit ran out: `connect` (TCP/TLS), `first_token` (response headers of a
 * JSON answer, first content event of a stream), `idle` (gap between stream chunks or body
 * bytes) or `total` (the whole attempt).
 */
export type TimeoutPhase = 'connect' | 'first_token' | 'idle' | 'total';

const PHASE_WORDS: Record<TimeoutPhase, string> = {
  connect: 'could not be connected to',
  first_token: 'sent no first token',
  idle: 'sent nothing more in the middle of its answer',
  total: 'did not finish its answer',
};

/**
 * `upstream_timeout` naming the phase: in the message (our words, no upstream detail), and as
 * the attempt's `upstreamErrorCode` (`timeout_<phase>`) so the event and logs say which one.
 */
export function upstreamTimedOut(deployment: CompiledDeployment, phase: TimeoutPhase, limitMs: number | null): RelayError {
  const within = limitMs === null ? 'in time' : `within ${limitMs} ms`;
  const upstreamErrorCode = `timeout_${phase}`;
  return new RelayError('upstream_timeout', `The upstream provider ${PHASE_WORDS[phase]} ${within}.`, {
    attempts: [{ providerId: deployment.provider.id, upstreamModel: deployment.upstreamModel, code: 'upstream_timeout', upstreamStatus: 0, upstreamErrorCode }],
    upstreamErrorCode,
  });
}

/**
 * The first-token and total deadlines of one upstream attempt: when one passes, the attempt's
 * abort is aborted (undici tears the exchange down) and `phase` says which, so the
 * loop reports `upstream_timeout` instead of whatever the torn-down call threw. One timer per
 * attempt: it fires at the first-token deadline and, if the first token came, re-arms for the
 * rest of the total (marking the first token costs no clearTimeout). Connect and idle limits
 * are undici's (connector `timeout`, `bodyTimeout`).
 */
export class AttemptTimer {
  phase: TimeoutPhase | null = null;
  /** Epoch ms of the first content (streams) or the answer (JSON); null before. */
  firstTokenAtMs: number | null = null;
  #timer: NodeJS.Timeout;
  readonly #startedAtMs: number;

  constructor(
    private readonly controller: { abort(): void },
    readonly firstTokenMs: number,
    readonly totalMs: number,
    private readonly now: () => number,
  ) {
    this.#startedAtMs = now();
    this.#timer = setTimeout(() => this.#firstTokenDue(), Math.min(firstTokenMs, totalMs));
  }

  /** The first token arrived: only the total limit is left. */
  firstToken(): void {
    if (this.firstTokenAtMs === null) this.firstTokenAtMs = this.now();
  }

  /** The attempt is over: no timer may fire any more. */
  stop(): void {
    clearTimeout(this.#timer);
  }

  /** The limit of the phase that ran out. */
  limitMs(): number | null {
    return this.phase === 'first_token' ? this.firstTokenMs : this.phase === 'total' ? this.totalMs : null;
  }

  #firstTokenDue(): void {
    if (this.firstTokenAtMs === null) return this.#expire(this.totalMs <= this.firstTokenMs ? 'total' : 'first_token');
    const leftMs = this.totalMs - (this.now() - this.#startedAtMs);
    if (leftMs <= 0) return this.#expire('total');
    this.#timer = setTimeout(() => this.#expire('total'), leftMs);
  }

  #expire(phase: TimeoutPhase): void {
    if (this.phase !== null) return;
    this.phase = phase;
    this.controller.abort();
  }
}

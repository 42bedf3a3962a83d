import type { Logger } from 'pino';

/**
 * Disk errors of the event log and spool, counted by errno code (ENOSPC, EIO, EDQUOT, …) and
 * logged as what they are: a full disk is not "spool full" (that is the configured cap), and
 * an I/O error is not "store unreachable". Logged at most once per code every 5 s.
 */
export function createDiskErrors(logger: Pick<Logger, 'error'>) {
  const counts: Record<string, number> = {};
  const lastLogged: Record<string, number> = {};
  return {
    /** Counts `err` under its errno code and logs it with what was being done. */
    record(err: unknown, operation: string): void {
      const code = errnoCode(err);
      counts[code] = (counts[code] ?? 0) + 1;
      const now = Date.now();
      if (now - (lastLogged[code] ?? 0) < 5_000) return;
      lastLogged[code] = now;
      logger.error({ code, operation, count: counts[code], reason: (err as Error)?.message }, `disk error (${code}) during ${operation}`);
    },
    /** Errors so far by errno code. */
    counts: (): Readonly<Record<string, number>> => ({ ...counts }),
    total: () => Object.values(counts).reduce((sum, n) => sum + n, 0),
  };
}

export type DiskErrors = ReturnType<typeof createDiskErrors>;

/** The errno code of an fs error (`ENOSPC`), or `EUNKNOWN`. */
export function errnoCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]{1,20}$/.test(code) ? code : 'EUNKNOWN';
}

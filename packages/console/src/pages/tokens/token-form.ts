/** Lifetimes offered for a new API token; a token for automation should expire unless there is a reason. */
export const TOKEN_LIFETIMES = [
  { id: '30d', label: '30 days', days: 30 },
  { id: '90d', label: '90 days', days: 90 },
  { id: '365d', label: 'A year', days: 365 },
  { id: 'never', label: 'Never', days: null },
] as const;
export type TokenLifetime = (typeof TOKEN_LIFETIMES)[number]['id'];

/** Checks the new-token form: a name (trimmed, 1–200), and turns the lifetime into `expiresAt`. */
export function checkNewToken(name: string, lifetime: TokenLifetime, nowMs: number): { ok: true; name: string; expiresAt: string | null } | { ok: false; message: string } {
  const trimmed = name.trim();
  if (trimmed === '') return { ok: false, message: 'Name the token after what will use it, such as ci-deploy.' };
  if (trimmed.length > 200) return { ok: false, message: 'A token name has at most 200 characters.' };
  const days = TOKEN_LIFETIMES.find((l) => l.id === lifetime)?.days ?? null;
  return { ok: true, name: trimmed, expiresAt: days === null ? null : new Date(nowMs + days * 86_400_000).toISOString() };
}

/** A token's state: revoked, expired (past `expiresAt`) or active. */
export function tokenStatus(token: { revokedAt: string | null; expiresAt: string | null }, nowMs: number): 'REVOKED' | 'EXPIRED' | 'ACTIVE' {
  if (token.revokedAt !== null) return 'REVOKED';
  if (token.expiresAt !== null && Date.parse(token.expiresAt) <= nowMs) return 'EXPIRED';
  return 'ACTIVE';
}

/**
 * Field names whose values never enter the audit trail: hashes of secrets, sealed credentials,
 * and any plaintext secret an input may carry. Matched by exact name so ids such as
 * `createdByTokenId` stay readable.
 */
const SECRET_FIELDS = new Set([
  'hash',
  'previousHash',
  'codeHash',
  'credentialSealed',
  'credential',
  'passwordHash',
  'password',
  'tokenHash',
  'csrfHash',
  'secret',
  'token',
  // Webhook URLs often carry the receiver's secret in their path (budget alert webhooks).
  'webhookUrl',
]);

/** What a secret field is replaced with: says a value was there (and changed or not) without showing it. */
export const REDACTED = '[redacted]';

/**
 * A JSON-safe copy of a row or input for the audit trail: secret fields replaced by
 * {@link REDACTED} (null stays null, so "had no credential" is still visible), BigInt as decimal
 * strings (money), Dates as ISO strings.
 */
export function redactForAudit(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(redactForAudit);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [field, inner] of Object.entries(value as Record<string, unknown>)) {
      if (inner === undefined) continue;
      out[field] = SECRET_FIELDS.has(field) && inner !== null ? REDACTED : redactForAudit(inner);
    }
    return out;
  }
  return value;
}

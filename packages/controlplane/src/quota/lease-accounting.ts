import type { Prisma } from '../generated/prisma/client.ts';
import type { LeaseRow } from './grant-rule.ts';

type Tx = Prisma.TransactionClient;

/** A counter window's row, locked for the rest of the transaction. */
export interface CounterRow {
  baseUsed: number;
  createdAtMs: number;
}

/**
 * Locks the counter window's row (creating it on first sight with `baseUsed()`), so concurrent
 * renewals of the same counter — from other data planes, through other control planes —
 * serialise here and each sees the leases the previous one wrote. Callers lock counters in key
 * order, so two renewals sharing counters cannot deadlock.
 */
export async function lockCounter(tx: Tx, key: string, windowStartMs: number, windowEndMs: number | null, baseUsed: () => Promise<number>): Promise<CounterRow> {
  const windowStart = new Date(windowStartMs);
  const select = () =>
    tx.$queryRaw<Array<{ base_used: string; created_ms: string }>>`
      SELECT base_used::text AS base_used, (EXTRACT(EPOCH FROM created_at) * 1000)::bigint::text AS created_ms
      FROM quota_counter WHERE key = ${key} AND window_start = ${windowStart} FOR UPDATE`;
  let rows = await select();
  if (rows.length === 0) {
    const base = await baseUsed();
    await tx.$executeRaw`
      INSERT INTO quota_counter (key, window_start, window_end, base_used, created_at)
      VALUES (${key}, ${windowStart}, ${windowEndMs === null ? null : new Date(windowEndMs)}, ${BigInt(base)}, now())
      ON CONFLICT DO NOTHING`;
    rows = await select();
  }
  return { baseUsed: Number(rows[0]!.base_used), createdAtMs: Number(rows[0]!.created_ms) };
}

/** Every instance's lease on a counter window. */
export async function readLeases(tx: Tx, key: string, windowStartMs: number): Promise<LeaseRow[]> {
  const rows = await tx.$queryRaw<Array<{ instance_id: string; granted: string; used: string; expires_ms: string }>>`
    SELECT instance_id, granted::text AS granted, used::text AS used, (EXTRACT(EPOCH FROM expires_at) * 1000)::bigint::text AS expires_ms
    FROM quota_lease WHERE key = ${key} AND window_start = ${new Date(windowStartMs)}`;
  return rows.map((r) => ({ instanceId: r.instance_id, granted: Number(r.granted), used: Number(r.used), expiresAtMs: Number(r.expires_ms) }));
}

/** Writes an instance's cumulative lease (insert or replace). */
export async function writeLease(
  tx: Tx,
  lease: { key: string; windowStartMs: number; instanceId: string; dataplaneId: string; granted: number; used: number; expiresAtMs: number },
): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO quota_lease (key, window_start, instance_id, dataplane_id, granted, used, expires_at, updated_at)
    VALUES (${lease.key}, ${new Date(lease.windowStartMs)}, ${lease.instanceId}, ${lease.dataplaneId}, ${BigInt(lease.granted)}, ${BigInt(lease.used)}, ${new Date(lease.expiresAtMs)}, now())
    ON CONFLICT (key, window_start, instance_id) DO UPDATE
      SET granted = EXCLUDED.granted, used = EXCLUDED.used, expires_at = EXCLUDED.expires_at, updated_at = now(), dataplane_id = EXCLUDED.dataplane_id`;
}

/**
 * Records the final `used` an instance reports for a window that has ended (no grant: the
 * window is over). Only raises it — a late retry of an older report changes nothing.
 */
export async function recordFinalUse(tx: Tx, key: string, windowStartMs: number, instanceId: string, used: number): Promise<void> {
  await tx.$executeRaw`
    UPDATE quota_lease SET used = GREATEST(used, ${BigInt(used)}), updated_at = now()
    WHERE key = ${key} AND window_start = ${new Date(windowStartMs)} AND instance_id = ${instanceId}`;
}

/**
 * Deletes counter windows (and their leases) that ended before `beforeMs`: minute windows of
 * rate limits pile up otherwise. Nothing reads an ended window once its final reports are in.
 */
export async function deleteEndedWindows(tx: Tx, beforeMs: number): Promise<void> {
  const before = new Date(beforeMs);
  await tx.$executeRaw`
    DELETE FROM quota_lease l USING quota_counter c
    WHERE l.key = c.key AND l.window_start = c.window_start AND c.window_end IS NOT NULL AND c.window_end < ${before}`;
  await tx.$executeRaw`DELETE FROM quota_counter WHERE window_end IS NOT NULL AND window_end < ${before}`;
}

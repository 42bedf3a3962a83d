/** Turns the GraphQL series into the aligned columns a chart draws. Pure. */
import type { SpendGroup, TrafficPoint } from './overview.graphql.ts';


/** The traffic chart's columns: every bucket with requests, in time order. */
export function trafficColumns(points: readonly TrafficPoint[]): { xs: number[]; points: TrafficPoint[] } {
  const sorted = [...points].sort((a, b) => Date.parse(a.bucketStart) - Date.parse(b.bucketStart));
  return { xs: sorted.map((p) => Date.parse(p.bucketStart)), points: sorted };
}

/** The spend chart's columns: the union of every band's buckets, and each band's cost (in micros) per bucket, 0 where it had none. */
export function spendColumns(groups: readonly SpendGroup[]): { xs: number[]; bands: { group: SpendGroup; micros: (bigint | null)[] }[] } {
  const xs = [...new Set(groups.flatMap((g) => g.points.map((p) => Date.parse(p.bucketStart))))].sort((a, b) => a - b);
  const bands = groups.map((group) => {
    const byX = new Map(group.points.map((p) => [Date.parse(p.bucketStart), p.costMicros === null ? 0n : BigInt(p.costMicros)]));
    return { group, micros: xs.map((x) => byX.get(x) ?? 0n) };
  });
  return { xs, bands };
}

/** Micros as dollars for drawing only (a chart's pixels need no exactness; labels use the exact strings). */
export function microsToDollars(micros: bigint | null): number | null {
  return micros === null ? null : Number(micros) / 1_000_000;
}

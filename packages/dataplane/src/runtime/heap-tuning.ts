import { setFlagsFromString } from 'node:v8';

/**
 * Turns off V8's allocation-site pretenuring for this process (a data plane: every data plane
 * is created through createDataplane, which calls this before it serves anything).
 *
 * Why: V8 watches each object-literal site and, when nearly all of a site's objects are still
 * alive at a young-generation collection, allocates that site's objects straight into the old
 * generation from then on. The decision is taken once and never revisited. A data plane's first
 * moments fool it: the snapshot compile and a cold burst of concurrent requests keep a site's
 * first few hundred objects alive, so sites that later make short-lived per-request objects are
 * sent to the old generation for good. Those objects die with their request, but the old
 * generation is only swept by a full collection, and until then every young object they point
 * to (the request's strings, arrays, closures) counts as alive to each young collection, is
 * copied, and is promoted in its turn. Measured on the bench data plane at one connection
 * (`--trace-gc-nvp`, 16 MB semi-space): ~830 KB promoted per young collection with pretenuring,
 * ~110 KB without, and in interleaved A/B runs ~8 % less CPU per request at one connection and
 * ~2.5 % at 64 (issue 11; bench/results/hot-path-profile.md).
 *
 * V8 reads the flag when it digests pretenuring feedback at each collection, so setting it at
 * run time takes effect from the next one; sites it already tenured stay tenured, which is why
 * this runs before the data plane serves. Idempotent.
 */
export function disableAllocationSitePretenuring(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}

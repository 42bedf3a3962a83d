import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt from node:crypto. Why scrypt and not argon2id: argon2id needs a
 * native addon (`argon2`, `@node-rs/argon2`), and this project's installs run no dependency
 * install scripts; scrypt is memory-hard too, built into Node, and OWASP lists it with
 * N=2^17, r=8, p=1 as an equivalent choice.
 *
 * Stored as `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>`, so the parameters travel with each
 * hash: raising the cost later still verifies old hashes, and sign-in rehashes them
 * ({@link PasswordCheck.needsRehash}).
 */

/** The cost (log2 N) by default: N = 2^17, r = 8, p = 1 (OWASP's scrypt recommendation). */
export const DEFAULT_PASSWORD_HASH_COST = 17;
/** The lowest cost accepted from PASSWORD_HASH_COST (tests use it: about 16 MiB and a few ms per hash). */
export const MIN_PASSWORD_HASH_COST = 14;
/** The highest: 2^20 × 128 × 8 bytes is 1 GiB of memory per hash. */
export const MAX_PASSWORD_HASH_COST = 20;

const BLOCK_SIZE_R = 8;
const PARALLELISM_P = 1;
const SALT_BYTES = 16;
const HASH_BYTES = 32;

/** The scrypt parameters of one hash. */
export interface PasswordHashParams {
  /** CPU/memory cost N, a power of two. */
  n: number;
  r: number;
  p: number;
}

/** The parameters new hashes use at cost `cost` (log2 N). */
export function passwordHashParams(cost: number): PasswordHashParams {
  if (!Number.isInteger(cost) || cost < MIN_PASSWORD_HASH_COST || cost > MAX_PASSWORD_HASH_COST) {
    throw new Error(`password hash cost must be an integer from ${MIN_PASSWORD_HASH_COST} to ${MAX_PASSWORD_HASH_COST}`);
  }
  return { n: 2 ** cost, r: BLOCK_SIZE_R, p: PARALLELISM_P };
}

/**
 * Hashes run on libuv's thread pool and each takes 128·N·r bytes (128 MiB at the default cost):
 * at most this many at once, so a burst of sign-ins can neither exhaust memory nor starve the
 * pool that file and DNS work shares.
 */
const MAX_CONCURRENT_HASHES = 2;
let running = 0;
const waiting: Array<() => void> = [];

async function withHashSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_HASHES) await new Promise<void>((resolve) => waiting.push(resolve));
  else running += 1;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }
}

function derive(password: string, salt: Buffer, params: PasswordHashParams, length: number): Promise<Buffer> {
  // Memory needed is 128·N·r (plus 128·r·p); Node refuses anything above maxmem (32 MiB by default).
  const options: ScryptOptions = { N: params.n, r: params.r, p: params.p, maxmem: 128 * params.n * params.r * (params.p + 1) + 1024 * 1024 };
  return withHashSlot(
    () => new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, length, options, (err, key) => (err ? reject(err) : resolve(key)))),
  );
}

/** Hashes `password` with fresh salt under `params`, in the stored format. */
export async function hashPassword(password: string, params: PasswordHashParams): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, params, HASH_BYTES);
  return ['scrypt', params.n, params.r, params.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** The outcome of {@link verifyPassword}. */
export interface PasswordCheck {
  ok: boolean;
  /** The password is right but its hash uses other parameters than `current`: store a fresh hash. */
  needsRehash: boolean;
}

/** A stored hash split into its parts; null when it is not one we wrote. */
function parseStored(stored: string): { params: PasswordHashParams; salt: Buffer; hash: Buffer } | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [n, r, p] = parts.slice(1, 4).map((v) => (/^\d{1,10}$/.test(v!) ? Number(v) : Number.NaN)) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64');
  const hash = Buffer.from(parts[5]!, 'base64');
  const powerOfTwo = Number.isInteger(Math.log2(n));
  // Bounds, so a tampered row cannot make one sign-in allocate gigabytes.
  if (!powerOfTwo || n < 2 ** 10 || n > 2 ** MAX_PASSWORD_HASH_COST || r < 1 || r > 32 || p < 1 || p > 16) return null;
  if (salt.length < 8 || hash.length < 16 || hash.length > 64) return null;
  return { params: { n, r, p }, salt, hash };
}

/**
 * Checks `password` against `stored` in constant time (timingSafeEqual on equal-length
 * digests). A malformed stored value never matches.
 */
export async function verifyPassword(password: string, stored: string, current: PasswordHashParams): Promise<PasswordCheck> {
  const parsed = parseStored(stored);
  if (parsed === null) return { ok: false, needsRehash: false };
  const candidate = await derive(password, parsed.salt, parsed.params, parsed.hash.length);
  const ok = timingSafeEqual(candidate, parsed.hash);
  const same = parsed.params.n === current.n && parsed.params.r === current.r && parsed.params.p === current.p && parsed.hash.length === HASH_BYTES;
  return { ok, needsRehash: ok && !same };
}

const dummyHashes = new Map<number, Promise<string>>();

/**
 * A hash of a random password at `params`, made once per process: sign-in verifies against it
 * when the email is unknown or has no password yet, so those answers take as long as a wrong
 * password and do not tell which emails exist.
 */
export function dummyPasswordHash(params: PasswordHashParams): Promise<string> {
  let hash = dummyHashes.get(params.n);
  if (hash === undefined) {
    hash = hashPassword(randomBytes(24).toString('base64'), params);
    dummyHashes.set(params.n, hash);
  }
  return hash;
}

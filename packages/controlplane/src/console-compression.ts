import { stat, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** A content coding the console is served in; `identity` is the file as built. */
export type ContentEncoding = 'br' | 'gzip' | 'identity';

/** Below this a compressed body saves less than its headers and a round of CPU cost. */
const MIN_COMPRESS_BYTES = 1024;
/** Text types worth compressing; images and fonts are compressed already. */
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

/**
 * The coding to answer with for an `Accept-Encoding` header: brotli when accepted (about 15 %
 * smaller than gzip on the console's JS), else gzip, else the identity. `q=0` refuses a coding.
 */
export function negotiateEncoding(acceptEncoding: string | undefined): ContentEncoding {
  if (acceptEncoding === undefined) return 'identity';
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    accepted.set(name.trim(), q === undefined ? 1 : Number(q.slice(2)) || 0);
  }
  const wants = (coding: string): boolean => (accepted.get(coding) ?? accepted.get('*') ?? 0) > 0;
  if (wants('br')) return 'br';
  if (wants('gzip')) return 'gzip';
  return 'identity';
}

/** One file as served: its bytes in each coding computed so far, and a validator. */
interface CachedFile {
  mtimeMs: number;
  size: number;
  etag: string;
  bodies: Partial<Record<ContentEncoding, Promise<Buffer>>>;
}

/** A body ready to send and the headers that describe it. */
export interface EncodedBody {
  body: Buffer;
  encoding: ContentEncoding;
  /** Strong validator of this coding of this version of the file. */
  etag: string;
}

/**
 * Reads console files and compresses each once per coding, then serves the cached bytes: the
 * console is a few hundred kilobytes of immutable build output, so compressing at most once per
 * file and coding costs nothing at request time. A rebuilt file (new mtime or size) is read
 * and compressed afresh.
 */
export function createCompressedFileCache(): { read(file: string, extension: string, wanted: ContentEncoding): Promise<EncodedBody> } {
  const files = new Map<string, CachedFile>();
  return {
    async read(file, extension, wanted) {
      const info = await stat(file);
      let cached = files.get(file);
      if (cached === undefined || cached.mtimeMs !== info.mtimeMs || cached.size !== info.size) {
        cached = { mtimeMs: info.mtimeMs, size: info.size, etag: `${info.size.toString(36)}-${Math.trunc(info.mtimeMs).toString(36)}`, bodies: {} };
        files.set(file, cached);
      }
      const encoding = COMPRESSIBLE.has(extension) && info.size >= MIN_COMPRESS_BYTES ? wanted : 'identity';
      const identity = (cached.bodies.identity ??= readFile(file));
      const body = (cached.bodies[encoding] ??= identity.then((raw) => compress(raw, encoding)));
      try {
        return { body: await body, encoding, etag: `"${cached.etag}-${encoding}"` };
      } catch (error) {
        files.delete(file);
        throw error;
      }
    },
  };
}

async function compress(raw: Buffer, encoding: ContentEncoding): Promise<Buffer> {
  if (encoding === 'br') {
    return brotli(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length } });
  }
  if (encoding === 'gzip') return gzipAsync(raw, { level: zlib.Z_BEST_COMPRESSION });
  return raw;
}

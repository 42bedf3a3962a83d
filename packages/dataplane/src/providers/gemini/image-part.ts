import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { GeminiPart } from './gemini-wire.ts';

/**
 * Image types Gemini accepts, by file extension: a `fileData` part must name its MIME type and
 * an OpenAI `image_url` does not, so for http(s) URLs it is read from the path.
 * Reference: https://ai.google.dev/gemini-api/docs/image-understanding (supported image formats).
 */
const IMAGE_TYPES_BY_EXTENSION: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
};

const DATA_URL = /^data:([a-z]+\/[a-z0-9.+-]+);base64,([A-Za-z0-9+/=\s]*)$/i;

/**
 * An OpenAI image URL as a Gemini part: a base64 `data:` URL becomes `inlineData`, an http(s)
 * URL becomes `fileData` with its type guessed from the extension. Anything else is refused with
 * a 400 naming `param`, rather than sent on to fail upstream with a message the client cannot act on.
 */
export function imagePartOf(url: string, param: string): GeminiPart {
  if (url.startsWith('data:')) {
    const match = DATA_URL.exec(url);
    if (match === null) {
      throw new RelayError('invalid_value', 'Invalid image data URL: Gemini needs `data:<type>;base64,<data>`.', { param });
    }
    return { inlineData: { mimeType: match[1]!.toLowerCase(), data: match[2]!.replace(/\s+/g, '') } };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RelayError('invalid_value', 'Invalid image URL: expected an http(s) URL or a base64 data URL.', { param });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new RelayError('invalid_value', 'Invalid image URL: expected an http(s) URL or a base64 data URL.', { param });
  }
  const extension = /\.([a-z0-9]+)$/i.exec(parsed.pathname)?.[1]?.toLowerCase();
  const mimeType = extension === undefined ? undefined : IMAGE_TYPES_BY_EXTENSION[extension];
  if (mimeType === undefined) {
    throw new RelayError(
      'invalid_value',
      `Gemini needs the type of an image given by URL, and this URL's path does not end in a known image extension (${Object.keys(IMAGE_TYPES_BY_EXTENSION).join(', ')}). Send the image as a base64 data URL instead.`,
      { param },
    );
  }
  return { fileData: { mimeType, fileUri: url } };
}

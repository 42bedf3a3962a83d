/**
 * Embedding vectors in OpenAI's `encoding_format: "base64"`: the vector as little-endian
 * float32 bytes, base64-encoded (what the OpenAI SDKs request by default and decode with
 * `Float32Array`). Used when an upstream cannot encode (Gemini) or encoded when the client
 * asked for floats.
 */
export function floatsToBase64(values: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(values.length * 4);
  for (let i = 0; i < values.length; i++) bytes.writeFloatLE(values[i]!, i * 4);
  return bytes.toString('base64');
}

/** The floats of a base64 vector; null when it is not whole float32 values. */
export function base64ToFloats(encoded: string): number[] | null {
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length % 4 !== 0) return null;
  const values = new Array<number>(bytes.length / 4);
  for (let i = 0; i < values.length; i++) values[i] = bytes.readFloatLE(i * 4);
  return values;
}

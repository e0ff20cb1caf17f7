// Reads a response body up to a cap. A hostile or broken backend may answer with hundreds of
// megabytes, or a body that never ends: the harness keeps the first `capBytes` and closes the
// connection, so memory stays bounded and the exchange ends without waiting for the timeout.
import type { Readable } from 'node:stream';

/** What the checks get of a body: lists of rows fit easily, a flood does not. */
export const BODY_CAP_BYTES = 1024 * 1024;

export interface CappedBody {
  text: string;
  /** Set when the body was longer: the bytes kept. */
  truncatedAt?: number;
}

export async function readCapped(body: Readable, capBytes = BODY_CAP_BYTES): Promise<CappedBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    const room = capBytes - size;
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, room));
      size += room;
      // Stop reading: the rest is never buffered, and the connection is not reused.
      body.destroy();
      return { text: Buffer.concat(chunks, size).toString('utf8'), truncatedAt: capBytes };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { text: Buffer.concat(chunks, size).toString('utf8') };
}

/** The evidence's wording for a cut body. */
export const truncationNote = (bytes: number) => `truncated at ${bytes} bytes`;

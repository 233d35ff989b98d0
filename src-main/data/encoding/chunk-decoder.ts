/**
 * One streaming decoder interface over the encodings we read: TextDecoder in fatal mode for UTF-8 and
 * UTF-16, our strict table decoder for GB18030. Shared by the in-thread path and the decode worker.
 */
import type { EncodingName } from '../types';
import { Gb18030Decoder } from './gb18030-decoder';

/** `write`/`end` return undefined when the bytes do not decode. */
export interface ChunkDecoder {
  write(b: Uint8Array): string | undefined;
  end(): string | undefined;
  /** The offset of the bad byte when the decoder knows it, else -1 (then the file is scanned for it). */
  invalidAt(): number;
  /** Where , " LF CR sit in the text of the last `write`, when the decoder tracks them. */
  structural(): Int32Array | undefined;
}

export function makeDecoder(encoding: EncodingName): ChunkDecoder {
  if (encoding === 'gb18030') {
    const dec = new Gb18030Decoder();
    return { write: (b) => dec.write(b), end: () => dec.end(), invalidAt: () => dec.invalidAt, structural: () => dec.structural };
  }
  const td = new TextDecoder(encoding, { fatal: true });
  const guard = (fn: () => string): string | undefined => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof TypeError) return undefined;
      throw err;
    }
  };
  return { write: (b) => guard(() => td.decode(b, { stream: true })), end: () => guard(() => td.decode()), invalidAt: () => -1, structural: () => undefined };
}

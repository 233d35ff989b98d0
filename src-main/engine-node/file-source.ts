/**
 * A `ByteSource` over a file on disk: reads only the requested byte range, so a multi-GB
 * safetensors file is never held in memory twice (header first, then one tensor at a time).
 */
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import type { ByteSource } from '../engine/io/safetensors';
import { UserError } from '../errors';

export function fileSource(path: string): ByteSource & { close(): void } {
  const fd = openSync(path, 'r');
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new UserError('a weight file is a folder, not a file', { where: path, hint: 'replace it with the .safetensors file of the model' });
  }
  const size = st.size;
  let closed = false;
  return {
    where: path,
    size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      // 8-byte aligned backing buffer so typed views (Float64Array, BigInt64Array) need no copy.
      const out = new Uint8Array(new ArrayBuffer(Math.ceil(length / 8) * 8), 0, length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, out, done, Math.min(length - done, 1 << 30), offset + done);
        if (n === 0) throw new Error(`${path}: unexpected end of file at byte ${offset + done}`);
        done += n;
      }
      return out;
    },
    close() {
      if (!closed) closeSync(fd);
      closed = true;
    },
  };
}

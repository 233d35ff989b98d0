/**
 * Where export bytes go: a file written sequentially. An interface so tests can stand in a disk
 * that fills up (ENOSPC) without needing a real small filesystem.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export interface ByteSink {
  write(bytes: Uint8Array): void;
  close(): void;
}

export type OpenSink = (path: string) => ByteSink;

export const openFileSink: OpenSink = (path) => {
  const fd = openSync(path, 'w');
  let closed = false;
  return {
    write(bytes) {
      let done = 0;
      while (done < bytes.byteLength) done += writeSync(fd, bytes, done, bytes.byteLength - done);
    },
    close() {
      if (!closed) closeSync(fd);
      closed = true;
    },
  };
};

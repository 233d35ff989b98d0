/**
 * `tuneloom runs list | head -1`: when the reader of stdout (or stderr) goes away, writes fail with
 * EPIPE. Without a listener Node turns that into an uncaught 'error' and a stack trace. The reader has
 * what it wanted, so the command carries on to its normal end (a training run still finishes and is
 * recorded) and its later output is dropped.
 */
import type { Writable } from 'node:stream';

export function ignoreBrokenPipe(stream: Writable): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
    throw err;
  });
}

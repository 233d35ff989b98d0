/**
 * Progress on stderr for `train`, `eval` and `models download`. In a terminal one line is redrawn in
 * place (`\r`, erase to end of line); anywhere else (a file, a pipe, CI logs) no control characters
 * are written: only some updates are printed, each as a line of its own.
 */
import type { Writable } from 'node:stream';

/** A terminal that redraws lines: a TTY that is not a CI log and not TERM=dumb. */
export function isLiveTerminal(stream: Writable, env: NodeJS.ProcessEnv = process.env): boolean {
  return (stream as Partial<NodeJS.WriteStream>).isTTY === true && !env.CI && env.TERM !== 'dumb';
}

/** True for about `parts` evenly spread values of `done` in 1..total, and always for the last. */
export function isMilestone(done: number, total: number, parts = 20): boolean {
  if (done >= total) return true;
  return done > 0 && done % Math.max(1, Math.round(total / parts)) === 0;
}

export class ProgressWriter {
  readonly live: boolean;
  #pending = false;

  constructor(
    private readonly out: Writable,
    live = isLiveTerminal(out),
  ) {
    this.live = live;
  }

  /** The progress line now: redrawn in a terminal; elsewhere printed only when `milestone`. */
  update(text: string, milestone: boolean): void {
    if (this.live) {
      this.out.write(`\r\x1b[K${text}`);
      this.#pending = true;
    } else if (milestone) {
      this.out.write(`${text}\n`);
    }
  }

  /** A message of its own, below the progress line. */
  line(text: string): void {
    this.end();
    this.out.write(`${text}\n`);
  }

  /** Ends a redrawn line, so what follows starts on a fresh line. */
  end(): void {
    if (!this.#pending) return;
    this.out.write('\n');
    this.#pending = false;
  }
}

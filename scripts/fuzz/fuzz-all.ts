/** Runs the three fuzz families over one seeded corpus of `n` inputs (40% datasets, 30% models, 30% frames). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzzDatasets } from './fuzz-datasets';
import { fuzzFrames } from './fuzz-frames';
import { fuzzModels } from './fuzz-models';
import { FuzzRng, type FuzzCounts } from './fuzz-rng';

export interface FuzzRunOptions {
  n: number;
  seed: number;
  onProgress?: (line: string) => void;
  /** Adds oversized and invalid-UTF-8 frames (issue 16 #2; see fuzz-frames.ts). */
  hostileTransport?: boolean;
  /** Leaves the frame family out (its share of n is not run): for a checkout without the built UI. */
  noFrames?: boolean;
}

export async function runFuzz(opts: FuzzRunOptions): Promise<FuzzCounts[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tuneloom-fuzz-'));
  try {
    const nData = Math.round(opts.n * 0.4);
    const nModels = Math.round(opts.n * 0.3);
    const nFrames = opts.n - nData - nModels;
    const keep: string[] = [];
    const out: FuzzCounts[] = [];
    const report = (c: FuzzCounts) => {
      out.push(c);
      opts.onProgress?.(
        `${c.family}: ${c.inputs} inputs, ${c.accepted} accepted, ${c.rejected} rejected, ${c.failures.length} failures, slowest ${c.slowestMs} ms`,
      );
    };
    report(await fuzzDatasets({ n: nData, rng: new FuzzRng(opts.seed), dir, keep }));
    report(await fuzzModels({ n: nModels, rng: new FuzzRng(opts.seed + 1), dir }));
    if (!opts.noFrames) report(await fuzzFrames({ n: nFrames, rng: new FuzzRng(opts.seed + 2), dir, datasets: keep, hostileTransport: opts.hostileTransport }));
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

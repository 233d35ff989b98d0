/**
 * Registration of an imported dataset in the store: source paths, the sha256 of the bytes that were read
 * (streamed during the import; a folder hashes its files' sorted hashes), format, field mapping, counts
 * and statistics. The import runs to the end first, and only a finished import writes a row, so bad input
 * never changes the store. The same files with the same format, encoding and mapping give back the existing row.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import type { Db } from '../store/db';
import { insertDataset } from '../store/queries/library';
import { importDataset, type ImportOptions, type ImportProgress, type ImportResult } from './import-dataset';

/** sha256 of a file, streamed (the dataset file a run used, checked again before training). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

/** What the datasets row keeps beyond its columns: statistics, the split, the first skips. */
export function storedStats(result: ImportResult): Record<string, unknown> {
  const { split } = result;
  return {
    ...result.stats,
    // What the user named (a folder or a file): a run launched from this row reads its files as part of it.
    input: resolve(result.input),
    confidence: result.confidence,
    duplicatesDropped: result.duplicatesDropped,
    files: result.files,
    split: split && (split.kind === 'seeded' ? { kind: split.kind, ratio: split.ratio, seed: split.seed, train: split.train, val: split.val } : split),
    skippedHead: result.skipped.slice(0, 20),
  };
}

export function registerImport(db: Db, result: ImportResult, name = result.name): number {
  return insertDataset(db, {
    name,
    sourcePaths: result.files.map((f) => resolve(f.path)),
    sha256: result.sha256,
    format: result.format,
    encoding: result.encoding,
    mapping: result.fields,
    examples: result.examples,
    skipped: result.skippedTotal,
    stats: storedStats(result),
    isDemo: false,
  });
}

export async function importAndRegister(
  db: Db,
  input: string,
  opts: ImportOptions = {},
  onProgress?: (p: ImportProgress) => void,
  name?: string,
): Promise<{ id: number; result: ImportResult }> {
  const result = await importDataset(input, opts, onProgress);
  return { id: registerImport(db, result, name), result };
}

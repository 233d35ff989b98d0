/**
 * The normalised examples of a dataset, split for training: what a trainer or an evaluator consumes.
 * Runs the same import as registration (so the same records are skipped for the same reasons) and keeps
 * the examples in memory, split by the seeded validation draw or taken from a separate validation file.
 */
import { importDataset, type ImportOptions, type ImportProgress, type ImportResult } from './import-dataset';
import { validationMask } from './split';
import type { Example } from './types';

export interface LoadedExamples {
  result: ImportResult;
  train: Example[];
  val: Example[];
}

export async function loadExamples(input: string, opts: ImportOptions = {}, onProgress?: (p: ImportProgress) => void): Promise<LoadedExamples> {
  const all: Example[] = [];
  const result = await importDataset(input, { ...opts, onExample: (e) => all.push(e) }, onProgress);
  const split = result.split;
  if (split?.kind === 'seeded') {
    const mask = validationMask(all.length, split.valIndices);
    return { result, train: all.filter((_, i) => !mask[i]), val: all.filter((_, i) => mask[i] === 1) };
  }
  if (split?.kind === 'file') {
    const val: Example[] = [];
    await importDataset(split.path, { ...opts, format: result.format, valPath: undefined, valSplit: undefined, onExample: (e) => val.push(e) });
    return { result, train: all, val };
  }
  return { result, train: all, val: [] };
}

/**
 * THE train/validation split: one function and one seeded stream (Rng 'split'), used by training
 * (train-loop), the import's counts the wizard shows (data/import-dataset), `tuneloom eval --split`
 * (data/load-examples) and the recipe export. Indices are positions in the examples as read, so any
 * reader of the same files with the same format, ratio and seed holds out exactly the same examples:
 * `eval --split validation` scores only what the run never trained on.
 * Count: round(n x ratio), at least one when the ratio is above zero and there are two or more
 * examples, never all of them.
 */
import { Rng } from './rng';

export function validationCount(n: number, ratio: number): number {
  if (!(ratio > 0) || n < 2) return 0;
  return Math.min(n - 1, Math.max(1, Math.round(n * ratio)));
}

/** Indices (ascending) of the examples held out for validation. */
export function validationIndices(n: number, ratio: number, seed: number): Uint32Array {
  const k = validationCount(n, ratio);
  if (k === 0) return new Uint32Array(0);
  return Uint32Array.from(Rng.derive(seed, 'split').permutation(n).slice(0, k)).sort();
}

/** A membership mask for quick lookups while streaming the examples again. */
export function validationMask(n: number, indices: Uint32Array): Uint8Array {
  const mask = new Uint8Array(n);
  for (const i of indices) mask[i] = 1;
  return mask;
}

/** `items` split by validationIndices, each part in its original order. */
export function splitValidation<T>(items: T[], ratio: number, seed: number): { train: T[]; val: T[] } {
  const mask = validationMask(items.length, validationIndices(items.length, ratio, seed));
  return { train: items.filter((_, i) => mask[i] === 0), val: items.filter((_, i) => mask[i] === 1) };
}

/**
 * Scores (0-100) as the CLI prints them: 4 decimals, as LLaMA-Factory and the Evaluate tab show them.
 * Averages of already-rounded per-example scores otherwise print float noise (`78.78790000000001`).
 * The store keeps the unrounded numbers.
 */
import type { ExampleScores } from '../eval/text-metrics';

const SCORE_KEYS = ['bleu4', 'rouge1', 'rouge2', 'rougeL', 'f1', 'em'] as const satisfies readonly (keyof ExampleScores)[];

export function roundScore(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/** A copy with every score key that is present rounded; other keys untouched. */
export function withRoundedScores<T extends Partial<ExampleScores>>(o: T): T {
  const out: T = { ...o };
  for (const k of SCORE_KEYS) {
    const v = o[k];
    if (typeof v === 'number') (out as Partial<ExampleScores>)[k] = roundScore(v);
  }
  return out;
}

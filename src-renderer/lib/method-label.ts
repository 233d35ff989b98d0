/** A run's method as the UI names it: GRPO runs train a LoRA adapter, so they say both. */
import type { RunSummary } from '../../src-shared/dto/runs';

export function methodLabel(run: Pick<RunSummary, 'method' | 'objective'>): string {
  if (run.method === 'ptuning') return 'P-Tuning v2';
  return run.objective === 'grpo' ? 'GRPO (LoRA)' : 'LoRA';
}

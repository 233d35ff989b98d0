/**
 * Whether a learning rate is far outside the usual range for the method, for the wizard's warning.
 * Usual ranges: LoRA 1e-5..1e-3 (PEFT and the Qwen recipes use 1e-4..3e-4; alpha/r scales the update,
 * so a rate for full fine-tuning is far too high), prefix / P-Tuning v2 1e-3..5e-2 (only the prefix
 * learns, from scratch; ChatGLM's p-tuning recipe uses 2e-2). "Far" is 3x past an end: the warning is
 * for a slipped digit, not a taste.
 */
import type { TrainMethod } from '../src-main/engine/train/train-settings';
export interface LrAdvice {
  kind: 'high' | 'low';
  usual: [number, number];
}

const USUAL: Record<TrainMethod, [number, number]> = { lora: [1e-5, 1e-3], ptuning: [1e-3, 5e-2] };
const FAR = 3;

export function lrAdvice(method: TrainMethod, lr: number): LrAdvice | null {
  const usual = USUAL[method];
  if (!(lr > 0)) return null; // the field's own check says what is wrong with 0 or a blank
  if (lr > usual[1] * FAR) return { kind: 'high', usual };
  if (lr < usual[0] / FAR) return { kind: 'low', usual };
  return null;
}

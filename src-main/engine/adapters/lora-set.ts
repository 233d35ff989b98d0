/**
 * The LoRA weights a forward pass applies, keyed by module path inside the decoder
 * (`layers.3.self_attn.q_proj`, `layers.0.mlp.down_proj`). The same shape serves inference (plain
 * tensors loaded from a PEFT folder) and training (tf.Variables the trainer owns).
 */
import type { LoraPair } from '../nn/linear';

export interface LoraSet {
  modules: Record<string, LoraPair>;
  /** LoRA dropout on the adapter input path; applied only when forward runs with `training: true`. */
  dropout: number;
}

export const PROJECTIONS = [
  'self_attn.q_proj',
  'self_attn.k_proj',
  'self_attn.v_proj',
  'self_attn.o_proj',
  'mlp.gate_proj',
  'mlp.up_proj',
  'mlp.down_proj',
] as const;
export type Projection = (typeof PROJECTIONS)[number];

export function loraModuleKey(layer: number, projection: Projection): string {
  return `layers.${layer}.${projection}`;
}

/** peft's saved key of a module's A or B matrix (PeftModel.save_pretrained drops the adapter name). */
export function peftKey(moduleKey: string, which: 'A' | 'B'): string {
  return `base_model.model.model.${moduleKey}.lora_${which}.weight`;
}

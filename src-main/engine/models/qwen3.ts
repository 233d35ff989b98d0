/**
 * Qwen3 (transformers `Qwen3Attention`): RMSNorm over head_dim on q and k (per head, before RoPE),
 * explicit `head_dim` (may differ from hidden/heads), q/k/v/o bias only if `attention_bias`.
 */
import type { FamilySpec } from './family';

export const qwen3: FamilySpec = {
  family: 'qwen3',
  flags: (raw) => {
    const bias = raw.attention_bias === true;
    return { qkvBias: bias, oBias: bias, mlpBias: false, qkNorm: true, tieByDefault: true };
  },
};

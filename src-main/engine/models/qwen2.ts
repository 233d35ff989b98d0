/** Qwen2 / Qwen2.5 (transformers `Qwen2Attention`): bias on q/k/v, none on o_proj or the MLP. */
import type { FamilySpec } from './family';

export const qwen2: FamilySpec = {
  family: 'qwen2',
  flags: () => ({ qkvBias: true, oBias: false, mlpBias: false, qkNorm: false, tieByDefault: true }),
};

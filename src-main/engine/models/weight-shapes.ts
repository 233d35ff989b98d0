/**
 * The checkpoint tensors a config implies (HF names and [out, in] shapes), and the one-line check
 * that a checkpoint has them. Shared by the tfjs loader (model-weights.ts) and the ggml loader
 * (ggml/model-weights.ts); no tensor library here.
 */
import { UserError } from '../errors';
import type { ModelConfig } from '../config/model-config';
import type { WeightStore } from '../io/weight-store';
import { layerWeightShapes } from './family';

export interface LoadProgress {
  loaded: number;
  total: number;
  name: string;
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Every checkpoint tensor name the config needs, with its expected shape. */
export function expectedWeightShapes(cfg: ModelConfig): Map<string, number[]> {
  const out = new Map<string, number[]>();
  out.set('model.embed_tokens.weight', [cfg.vocabSize, cfg.hiddenSize]);
  const perLayer = layerWeightShapes(cfg);
  for (let i = 0; i < cfg.numLayers; i++) {
    for (const [name, shape] of Object.entries(perLayer)) out.set(`model.layers.${i}.${name}`, shape);
  }
  out.set('model.norm.weight', [cfg.hiddenSize]);
  if (!cfg.tieWordEmbeddings) out.set('lm_head.weight', [cfg.vocabSize, cfg.hiddenSize]);
  return out;
}

/** Checks every needed tensor exists with the right shape; one line naming the first problem. */
export function checkWeights(store: WeightStore, cfg: ModelConfig, configWhere: string): Map<string, number[]> {
  const expected = expectedWeightShapes(cfg);
  for (const [name, shape] of expected) {
    const info = store.info(name);
    if (!info) {
      const hint =
        name === 'lm_head.weight'
          ? 'config.json says tie_word_embeddings is false but the checkpoint has no lm_head.weight; set it to true if the head is tied'
          : 'the checkpoint does not match config.json; use the config that came with these weights';
      throw new UserError(`tensor ${name} is missing from the checkpoint`, { where: configWhere, hint });
    }
    if (!sameShape(info.shape, shape)) {
      throw new UserError(`shape mismatch: ${name} is [${info.shape.join(', ')}] in ${store.where(name)} but ${configWhere} implies [${shape.join(', ')}]`, {
        hint: 'the config and the weights come from different models; use the config.json saved with these weights',
      });
    }
  }
  return expected;
}

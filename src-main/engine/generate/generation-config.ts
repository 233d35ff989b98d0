/**
 * Generation defaults from `generation_config.json` (transformers `GenerationConfig`): the EOS ids
 * that stop decoding (scalar or list, falling back to config.json's) and sampling defaults.
 */
import type { ModelConfig } from '../config/model-config';

export interface GenerationDefaults {
  eosTokenIds: number[];
  doSample: boolean;
  temperature: number;
  topK: number;
  topP: number;
  repetitionPenalty: number;
}

function ids(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.filter((x): x is number => typeof x === 'number');
  return [];
}

export function parseGenerationConfig(raw: unknown, cfg: ModelConfig): GenerationDefaults {
  const g = (raw ?? {}) as Record<string, unknown>;
  const eos = ids(g.eos_token_id);
  const n = (k: string, d: number) => (typeof g[k] === 'number' ? (g[k] as number) : d);
  return {
    eosTokenIds: [...new Set(eos.length ? eos : cfg.eosTokenIds)],
    doSample: g.do_sample === true,
    temperature: n('temperature', 1),
    topK: n('top_k', 50),
    topP: n('top_p', 1),
    repetitionPenalty: n('repetition_penalty', 1),
  };
}

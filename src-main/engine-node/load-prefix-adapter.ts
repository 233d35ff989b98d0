/** Reads a PEFT PREFIX_TUNING adapter folder from disk into per-layer host prefix keys/values. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors';
import type { ModelConfig } from '../engine/config/model-config';
import type { HostPrefix } from '../engine/ggml/causal-lm';
import { readJsonFile } from './read-json';
import { isPrefixTuningConfig, parsePrefixConfig, prefixFromEmbeddings } from '../engine/train/peft-prefix';
import { readSafetensorsFile } from './read-safetensors';

/** True when the folder's adapter_config.json says peft_type PREFIX_TUNING. */
export function isPrefixAdapterDir(dir: string): boolean {
  const cfgPath = join(resolve(dir), 'adapter_config.json');
  return existsSync(cfgPath) && isPrefixTuningConfig(readJsonFile(cfgPath, 'adapter_config.json'));
}

export async function loadPrefixAdapterFromDir(dir: string, model: ModelConfig): Promise<HostPrefix> {
  const abs = resolve(dir);
  const cfgPath = join(abs, 'adapter_config.json');
  const cfg = parsePrefixConfig(readJsonFile(cfgPath, 'adapter_config.json'), cfgPath);
  const weights = join(abs, 'adapter_model.safetensors');
  if (!existsSync(weights)) throw new UserError('adapter_model.safetensors not found in the adapter folder', { where: abs });
  const t = (await readSafetensorsFile(weights)).get('prompt_embeddings');
  if (!t) throw new UserError('the prefix adapter has no prompt_embeddings tensor', { where: weights, hint: 'save it with PeftModel.save_pretrained' });
  return prefixFromEmbeddings(cfg, t.data, t.shape, model, weights);
}

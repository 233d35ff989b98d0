/**
 * Refuses an adapter trained on another base model than --model, before any heavy work, in one
 * line (export, eval, generate and the playground all open adapters through it). Two checks: peft's
 * `base_model_name_or_path`, when it names a local folder (absolute, or
 * relative to the adapter folder or the working directory), must have the same architecture as
 * --model; and every LoRA tensor's shape must fit the base layer (engine/adapters/peft-lora does
 * that one while loading).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../errors';
import type { ModelConfig } from '../engine/config/model-config';
import { readModelConfig } from './load-model';

const SHAPE_KEYS: (keyof ModelConfig)[] = ['family', 'vocabSize', 'hiddenSize', 'intermediateSize', 'numLayers', 'numHeads', 'numKvHeads', 'headDim'];

function candidateDirs(adapterDir: string, name: string): string[] {
  if (isAbsolute(name)) return [name];
  return [resolve(adapterDir, name), resolve(name)];
}

export function checkAdapterBase(adapterDir: string, modelDir: string, model: ModelConfig): void {
  const cfgPath = join(resolve(adapterDir), 'adapter_config.json');
  if (!existsSync(cfgPath)) return; // loadAdapterFromDir reports it
  let baseName: unknown;
  try {
    baseName = (JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>).base_model_name_or_path;
  } catch {
    return; // loadAdapterFromDir reports bad JSON
  }
  if (typeof baseName !== 'string' || baseName === '') return;
  for (const dir of candidateDirs(adapterDir, baseName)) {
    if (!existsSync(join(dir, 'config.json')) || !statSync(dir).isDirectory()) continue;
    if (resolve(dir) === resolve(modelDir)) return;
    let other: ModelConfig;
    try {
      other = readModelConfig(dir);
    } catch {
      return;
    }
    const differs = SHAPE_KEYS.filter((k) => other[k] !== model[k]);
    if (differs.length > 0) {
      const k = differs[0];
      throw new UserError(`the adapter was trained on ${dir} (${k} ${String(other[k])}), but --model is ${resolve(modelDir)} (${k} ${String(model[k])})`, {
        where: `${cfgPath} (base_model_name_or_path)`,
        hint: 'pass the base model the adapter was trained on as --model',
      });
    }
    return;
  }
}

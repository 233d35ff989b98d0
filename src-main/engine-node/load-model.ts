/**
 * Node I/O for the engine: opens a Hugging Face model folder (config.json, generation_config.json,
 * single or sharded safetensors, tokenizer files) and PEFT adapter folders from disk, streaming
 * tensors one at a time through `fileSource`. The engine itself never touches fs.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors';
import { normaliseConfig } from '../engine/config/normalise-config';
import type { ModelConfig } from '../engine/config/model-config';
import { WeightStore, shardFilesOfIndex } from '../engine/io/weight-store';
import { parseLoraConfig, readPeftLoraHost, type HostLoraSet } from '../engine/adapters/peft-lora-host';
import { TextTokenizer } from '../engine/tokenizer/text-tokenizer';
import { parseGenerationConfig, type GenerationDefaults } from '../engine/generate/generation-config';
import { fileSource } from './file-source';
import { findChatTemplate } from './find-chat-template';
import { readJsonFile, readJsonIfExists } from './read-json';

function requireDir(dir: string, what: string): string {
  const abs = resolve(dir);
  if (!existsSync(abs)) throw new UserError(`${what} folder not found`, { where: abs, hint: 'check the path' });
  if (!statSync(abs).isDirectory()) throw new UserError(`${what} path is not a folder`, { where: abs, hint: `pass the folder that holds the ${what} files` });
  return abs;
}

export function readModelConfig(dir: string): ModelConfig {
  const abs = requireDir(dir, 'model');
  const path = join(abs, 'config.json');
  if (!existsSync(path))
    throw new UserError('config.json not found in the model folder', {
      where: abs,
      hint: 'pass a Hugging Face model folder (config.json, *.safetensors, tokenizer.json)',
    });
  return normaliseConfig(readJsonFile(path, 'config.json'), path);
}

export function readGenerationDefaults(dir: string, cfg: ModelConfig): GenerationDefaults {
  const path = join(resolve(dir), 'generation_config.json');
  return parseGenerationConfig(readJsonIfExists(path, 'generation_config.json'), cfg);
}

/** Opens the checkpoint's safetensors (sharded through model.safetensors.index.json if present). */
export async function openWeightStore(dir: string): Promise<{ store: WeightStore; close(): void }> {
  const abs = requireDir(dir, 'model');
  const indexPath = join(abs, 'model.safetensors.index.json');
  let files: string[];
  if (existsSync(indexPath)) {
    files = shardFilesOfIndex(readJsonFile(indexPath, 'sharded index'), indexPath).map((f) => join(abs, f));
    for (const f of files)
      if (!existsSync(f)) throw new UserError('a shard listed in the index is missing', { where: f, hint: 'download every shard of the checkpoint' });
  } else if (existsSync(join(abs, 'model.safetensors'))) {
    files = [join(abs, 'model.safetensors')];
  } else {
    files = readdirSync(abs)
      .filter((f) => f.endsWith('.safetensors'))
      .sort()
      .map((f) => join(abs, f));
    if (files.length === 0) {
      const hasBin = readdirSync(abs).some((f) => f.endsWith('.bin') || f.endsWith('.pt'));
      throw new UserError('no .safetensors weights in the model folder', {
        where: abs,
        hint: hasBin ? 'convert the PyTorch .bin weights to safetensors first' : 'pass a folder with model.safetensors or model.safetensors.index.json',
      });
    }
  }
  const sources = files.map((f) => fileSource(f));
  const close = () => sources.forEach((s) => s.close());
  try {
    return { store: await WeightStore.open(sources), close };
  } catch (e) {
    close();
    throw e;
  }
}

export function loadTokenizer(dir: string): TextTokenizer {
  const abs = requireDir(dir, 'model');
  const tokPath = join(abs, 'tokenizer.json');
  if (!existsSync(tokPath))
    throw new UserError('tokenizer.json not found in the model folder', {
      where: abs,
      hint: 'copy tokenizer.json (and tokenizer_config.json) from the original model',
    });
  const tokenizerConfig = (readJsonIfExists(join(abs, 'tokenizer_config.json'), 'tokenizer_config.json') ?? {}) as Record<string, unknown>;
  return new TextTokenizer({
    tokenizerJson: readJsonFile(tokPath, 'tokenizer.json'),
    tokenizerConfig,
    where: abs,
    chatTemplate: findChatTemplate(abs, tokenizerConfig),
  });
}

/** A PEFT LoRA adapter folder read and checked against `model`, as host arrays (any engine). */
export async function readLoraAdapterHost(dir: string, model: ModelConfig): Promise<HostLoraSet> {
  const abs = requireDir(dir, 'adapter');
  const cfgPath = join(abs, 'adapter_config.json');
  if (!existsSync(cfgPath))
    throw new UserError('adapter_config.json not found in the adapter folder', {
      where: abs,
      hint: 'pass a PEFT adapter folder (adapter_config.json + adapter_model.safetensors)',
    });
  const loraCfg = parseLoraConfig(readJsonFile(cfgPath, 'adapter_config.json'), cfgPath);
  const weightsPath = join(abs, 'adapter_model.safetensors');
  if (!existsSync(weightsPath))
    throw new UserError('adapter_model.safetensors not found in the adapter folder', {
      where: abs,
      hint: 'save the adapter with safe_serialization (the default in peft)',
    });
  const src = fileSource(weightsPath);
  try {
    return await readPeftLoraHost(await WeightStore.open([src]), loraCfg, model, weightsPath);
  } finally {
    src.close();
  }
}

/**
 * The non-weight files of a Hugging Face folder that an export carries over: generation config,
 * tokenizer and chat-template files. config.json is rewritten (not copied) when the weight dtype
 * changes, so `torch_dtype`/`dtype` keep telling transformers the truth.
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FloatDtype } from './safetensors-shards';

export const SIDE_FILES = [
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'vocab.json',
  'merges.txt',
  'tokenizer.model',
  'chat_template.jinja',
  'chat_template.json',
];

const TORCH_NAME: Record<FloatDtype, string> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };

export function copySideFiles(modelDir: string, outDir: string): string[] {
  const copied: string[] = [];
  for (const f of SIDE_FILES) {
    if (!existsSync(join(modelDir, f))) continue;
    copyFileSync(join(modelDir, f), join(outDir, f));
    copied.push(f);
  }
  return copied;
}

/** config.json with the dtype keys set to the exported dtype (only those it already has, or torch_dtype). */
export function writeConfigWithDtype(modelDir: string, outDir: string, dtype: FloatDtype | undefined): void {
  const raw = readFileSync(join(modelDir, 'config.json'), 'utf8');
  if (!dtype) {
    writeFileSync(join(outDir, 'config.json'), raw);
    return;
  }
  const cfg = JSON.parse(raw) as Record<string, unknown>;
  const keys = ['torch_dtype', 'dtype'].filter((k) => k in cfg);
  for (const k of keys.length ? keys : ['torch_dtype']) cfg[k] = TORCH_NAME[dtype];
  writeFileSync(join(outDir, 'config.json'), JSON.stringify(cfg, null, 2) + '\n');
}

/**
 * What the inference CLI commands (tokenize, inspect logits, generate) share: resolve the model
 * folder, tokenizer, adapter and backend, in an order that reports input problems before any
 * heavy work, and read a messages file.
 */
import { webgpuPassOverReason } from './webgpu-adapter-check';
import { checkAdapterBase } from './adapter-base-check';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../errors';
import { selectBackend, type BackendSelection } from '../engine/backends/select-backend';
import type { CausalLM, PrefixKv } from '../engine/models/causal-lm';
import { disposePrefixKv } from '../engine/train/prefix-tuning';
import { isPrefixAdapterDir, loadPrefixAdapterFromDir } from '../training/load-prefix-adapter';
import type { LoraSet } from '../engine/adapters/lora-set';
import { disposeLoraSet } from '../engine/adapters/peft-lora';
import { parseMessages, type ChatMessage } from '../engine/tokenizer/chat-template';
import type { TextTokenizer } from '../engine/tokenizer/text-tokenizer';
import type { GenerationDefaults } from '../engine/generate/generation-config';
import { loadAdapterFromDir, loadModelFromDir, loadTokenizer, readGenerationDefaults, readModelConfig } from './load-model';

export interface InferenceSession {
  model: CausalLM;
  tokenizer: TextTokenizer;
  adapter?: LoraSet;
  /** A PEFT PREFIX_TUNING adapter's per-layer keys/values (batch 1), passed as ForwardOptions.prefix. */
  prefix?: PrefixKv[];
  generation: GenerationDefaults;
  backend: BackendSelection;
  dispose(): void;
}

export function readMessagesFile(path: string): ChatMessage[] {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new UserError('messages file not found', { where: abs });
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(abs, 'utf8'));
  } catch (e) {
    throw new UserError(`messages file is not valid JSON (${(e as Error).message})`, { where: abs, hint: 'expected [{"role":"user","content":"..."}]' });
  }
  return parseMessages(value, abs);
}

export async function openInferenceSession(opts: { model: string; adapter?: string; backend?: string }): Promise<InferenceSession> {
  const cfg = readModelConfig(opts.model);
  // An adapter trained on another base is refused in one line before the weights load (eval, generate, playground).
  if (opts.adapter) checkAdapterBase(opts.adapter, opts.model, cfg);
  const tokenizer = loadTokenizer(opts.model);
  const generation = readGenerationDefaults(opts.model, cfg);
  const backend = await selectBackend(opts.backend ?? 'auto', { model: cfg, webgpuPassOver: webgpuPassOverReason });
  const model = await loadModelFromDir(opts.model);
  let adapter: LoraSet | undefined;
  let prefix: PrefixKv[] | undefined;
  try {
    if (opts.adapter && isPrefixAdapterDir(opts.adapter)) prefix = await loadPrefixAdapterFromDir(opts.adapter, model.config);
    else adapter = opts.adapter ? await loadAdapterFromDir(opts.adapter, model.config) : undefined;
  } catch (e) {
    model.dispose();
    throw e;
  }
  return {
    model,
    tokenizer,
    adapter,
    prefix,
    generation,
    backend,
    dispose() {
      if (adapter) disposeLoraSet(adapter);
      if (prefix) disposePrefixKv(prefix);
      model.dispose();
    },
  };
}

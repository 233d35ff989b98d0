/** Shared by the engine benches: find or write the synthetic checkpoint a bench runs on. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SHAPES, writeSyntheticCheckpoint } from '../synthetic-checkpoint';

/** The small benchmark shape: Qwen2 layout, hidden 256, 4 layers, 4/2 heads, vocab 8192. */
SHAPES['bench-small'] ??= {
  model_type: 'qwen2',
  hidden_size: 256,
  intermediate_size: 768,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  vocab_size: 8192,
  tie_word_embeddings: true,
  rope_theta: 1e6,
  max_position_embeddings: 4096,
};

export function syntheticModelDir(shape: string, dtype: 'bf16' | 'f32', dir = '.bench-out'): string {
  const out = join(dir, `${shape}-${dtype}`);
  if (!existsSync(join(out, 'model.safetensors'))) {
    process.stderr.write(`writing synthetic ${shape} ${dtype} checkpoint to ${out} ...\n`);
    writeSyntheticCheckpoint({ shape, out, dtype, seed: 0 });
  }
  return out;
}

export function fileMiB(path: string): number {
  return statSync(path).size / 2 ** 20;
}

export const rssMiB = (): number => process.memoryUsage().rss / 2 ** 20;
/** Peak resident set size of this process so far (getrusage maxrss). */
export const peakRssMiB = (): number => process.resourceUsage().maxRSS / 1024;

/** The prompt every generation bench feeds (ggml, llama.cpp, torch_generate.py use the same formula). */
export const benchPrompt = (length: number, vocabSize: number): number[] => Array.from({ length }, (_, i) => (i * 7919 + 13) % vocabSize);

/** User + system CPU-seconds of this process (every thread) since `since`. */
export const cpuSeconds = (since: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

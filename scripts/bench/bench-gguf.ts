/**
 * The GGUF file llama.cpp runs in `npm run bench:generate`: the synthetic checkpoint through our own
 * export (src-main/export/gguf-export.ts, what `tuneloom export --to gguf` runs). The export folds an
 * adapter in, so the bench passes a LoRA whose A and B are all zeros: W + 0 * B A is W exactly, and the
 * GGUF holds the same weights the ggml engine loads from the safetensors. Written once per type under
 * .bench-out/ and reused.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readModelConfig } from '../../src-main/engine-node/load-model';
import { loraAdapterFilesOf } from '../../src-main/engine/train/peft-files';
import { exportGguf, ggufFileName } from '../../src-main/export/gguf-export';
import type { GgufOutType } from '../../src-main/export/gguf-tensors';

function writeZeroAdapter(modelDir: string, out: string): void {
  if (existsSync(join(out, 'adapter_model.safetensors'))) return;
  const cfg = readModelConfig(modelDir);
  const rows = cfg.numHeads * cfg.headDim;
  const tensors = [];
  for (let i = 0; i < cfg.numLayers; i++) {
    const key = `base_model.model.model.layers.${i}.self_attn.q_proj`;
    tensors.push({ name: `${key}.lora_A.weight`, shape: [1, cfg.hiddenSize], data: new Float32Array(cfg.hiddenSize) });
    tensors.push({ name: `${key}.lora_B.weight`, shape: [rows, 1], data: new Float32Array(rows) });
  }
  const files = loraAdapterFilesOf(tensors, { r: 1, alpha: 1, dropout: 0, useRslora: false, targetModules: ['q_proj'] }, resolve(modelDir));
  mkdirSync(out, { recursive: true });
  for (const [name, data] of Object.entries(files)) writeFileSync(join(out, name), data);
}

/** The GGUF of `modelDir` in `type`, exported on first use; returns its path and the export time. */
export async function benchGguf(modelDir: string, type: GgufOutType): Promise<{ file: string; exportS?: number }> {
  const out = `${modelDir}-gguf-${type}`;
  const file = join(out, ggufFileName(type));
  if (existsSync(file)) return { file };
  const adapter = `${modelDir}-zero-lora`;
  writeZeroAdapter(modelDir, adapter);
  process.stderr.write(`exporting ${modelDir} to ${file} ...\n`);
  const t0 = performance.now();
  const res = await exportGguf({ model: modelDir, adapter, out, type, force: true });
  return { file: res.ggufFile, exportS: (performance.now() - t0) / 1000 };
}

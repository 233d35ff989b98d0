/**
 * Export of a LoRA fine-tune as a plain Hugging Face model folder: the adapter folded into the base
 * weights (lora-merge.ts), written in the base checkpoint's dtype (or --dtype), sharded over 5 GB
 * like `save_pretrained`, with config, generation config and tokenizer files beside it. transformers
 * and every tool that reads HF folders load it without peft.
 */
import { join } from 'node:path';
import { UserError } from '../errors';
import type { ModelConfig } from '../engine/config/model-config';
import { openFileSink, type OpenSink } from './byte-sink';
import { copySideFiles, writeConfigWithDtype } from './copy-side-files';
import { openMergedSource } from './merged-source';
import { diskFullError, stageOutput } from './output-folder';
import { tensorBytes, writeShardedSafetensors, type FloatDtype, type OutTensor } from './safetensors-shards';

export type ExportDtype = 'auto' | 'f32' | 'f16' | 'bf16';

export interface MergedExportOptions {
  model: string;
  adapter: string;
  out: string;
  force?: boolean;
  /** Paths the export may not replace (default: the data folder and its store). */
  protect?: string[];
  /** `auto` keeps each tensor's stored dtype (F64 becomes F32). */
  dtype?: ExportDtype;
  maxShardBytes?: number;
  openSink?: OpenSink;
  onProgress?: (done: number, total: number) => void;
}

export interface MergedExportResult {
  dir: string;
  files: string[];
  mergedModules: number;
  totalBytes: number;
  dtypes: FloatDtype[];
  config: ModelConfig;
}

const OVERRIDE: Record<Exclude<ExportDtype, 'auto'>, FloatDtype> = { f32: 'F32', f16: 'F16', bf16: 'BF16' };

function outDtype(stored: string, name: string, dtype: ExportDtype, where: string): FloatDtype {
  if (stored === 'I32' || stored === 'I64') {
    throw new UserError(`tensor ${name} is an integer tensor (${stored}), which a merged export cannot carry`, { where });
  }
  if (dtype !== 'auto') return OVERRIDE[dtype];
  return stored === 'F16' || stored === 'BF16' ? stored : 'F32';
}

export async function exportMerged(opts: MergedExportOptions): Promise<MergedExportResult> {
  const dtype = opts.dtype ?? 'auto';
  const src = await openMergedSource(opts.model, opts.adapter);
  try {
    const { store, modelDir } = src;
    const tensors: OutTensor[] = store.names().map((name) => {
      const info = store.info(name)!;
      return { name, shape: info.shape, dtype: outDtype(info.dtype, name, dtype, store.where(name) ?? modelDir) };
    });
    const neededBytes = tensors.reduce((a, t) => a + tensorBytes(t), 0) + 50e6; // + tokenizer files
    const staged = stageOutput(opts.out, { force: opts.force ?? false, protect: opts.protect, kind: 'merged', neededBytes });
    let currentFile = staged.stagingDir;
    try {
      const openSink = opts.openSink ?? openFileSink;
      const written = await writeShardedSafetensors(staged.stagingDir, tensors, (t) => src.read(t.name), {
        maxShardBytes: opts.maxShardBytes,
        openSink: (path) => {
          currentFile = path;
          return openSink(path);
        },
        onTensor: opts.onProgress,
      });
      currentFile = join(staged.stagingDir, 'config.json');
      writeConfigWithDtype(modelDir, staged.stagingDir, dtype === 'auto' ? undefined : OVERRIDE[dtype]);
      const side = copySideFiles(modelDir, staged.stagingDir);
      staged.commit();
      return {
        dir: staged.finalDir,
        files: ['config.json', ...written.files, ...side],
        mergedModules: src.lora.size,
        totalBytes: written.totalBytes,
        dtypes: [...new Set(tensors.map((t) => t.dtype))],
        config: src.cfg,
      };
    } catch (err) {
      staged.abort();
      throw diskFullError(err, currentFile.replace(staged.stagingDir, staged.finalDir), neededBytes);
    }
  } finally {
    src.close();
  }
}

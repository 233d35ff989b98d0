/**
 * Everything the training loop needs from the outside world, injected so that engine/train stays
 * free of fs: the Node implementation is src-main/engine-node/node-train-io.ts; tests may fake it.
 */
import type { Example } from '../types';
import type { ModelConfig } from '../config/model-config';
import type { TextTokenizer } from '../tokenizer/text-tokenizer';
import type { Rng } from './rng';
import type { DatasetSpec, TrainConfig } from './train-config';
import type { TrainEngine } from './train-engine';
import type { AdapterFiles } from './peft-files';
import type { RewardFunction } from './grpo/rewards';

export interface StoredTensor {
  shape: number[];
  data: Float32Array;
}

export interface CheckpointContents {
  trainerState: unknown;
  /** The trainable tensors under their own names (params.safetensors). */
  params: Map<string, StoredTensor>;
  optimizer: Map<string, StoredTensor>;
}

export interface OpenedEngine {
  engine: TrainEngine;
  config: ModelConfig;
  tokenizer: TextTokenizer;
}

export interface TrainIo {
  /** Loads the model and the adapter to train (new, or --init-adapter) into the engine the run uses. */
  openEngine(cfg: TrainConfig, initRng: Rng): Promise<OpenedEngine>;
  /** `file` as named (a file or a folder); with `spec`, exactly the spec's files in its encoding. */
  readExamples(
    file: string,
    format: string | undefined,
    map?: Record<string, string>,
    spec?: DatasetSpec,
  ): Promise<{ examples: Example[]; skipped: { line: number; reason: string }[] }>;
  readSamplePrompts(file: string): Promise<string[]>;
  /** GRPO: a user's reward file, compiled in its sandbox (one-line UserError when it cannot load). */
  loadRewardFile?(file: string, timeoutMs: number): RewardFunction;
  /** Creates --out (and checks it is writable) before any work; throws a UserError otherwise. */
  prepareOut(dir: string): void;
  /** Writes a folder atomically (temp folder, then rename over any old one); returns bytes written. */
  writeFolderAtomic(dir: string, files: AdapterFiles): number;
  /** Writes the final adapter files into an existing folder, each through a temp name + rename. */
  writeFilesAtomic(dir: string, files: AdapterFiles): number;
  readCheckpoint(dir: string): Promise<CheckpointContents>;
  join(...parts: string[]): string;
  /** Milliseconds, for tokens/s. */
  now(): number;
}

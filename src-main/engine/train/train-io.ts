/**
 * Everything the training loop needs from the outside world, injected so that engine/train stays
 * free of fs: the Node implementation is src-main/training/node-train-io.ts; tests may fake it.
 */
import type { Example } from '../../data/types';
import type { LoraSet } from '../adapters/lora-set';
import type { LoraConfig } from '../adapters/peft-lora';
import type { CausalLM } from '../models/causal-lm';
import type { TextTokenizer } from '../tokenizer/text-tokenizer';
import type { AdapterFiles } from './peft-files';

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

export interface TrainIo {
  loadModel(dir: string): Promise<{ model: CausalLM; tokenizer: TextTokenizer }>;
  loadLoraAdapter(dir: string, model: CausalLM): Promise<{ set: LoraSet; config: LoraConfig }>;
  readExamples(file: string, format: string | undefined, map?: Record<string, string>): Promise<{ examples: Example[]; skipped: { line: number; reason: string }[] }>;
  readSamplePrompts(file: string): Promise<string[]>;
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

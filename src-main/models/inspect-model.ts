/**
 * Reads what the model registry needs to know about a Hugging Face model folder without loading any
 * weights: the family (config.json `model_type`, through the engine's config normaliser), the parameter
 * count (sum of tensor element counts in the safetensors headers, one file or a sharded index), the
 * stored dtype, whether a chat template is present, and the sha256 of config.json (runs record it so a
 * changed model is noticed). Every missing or broken file is reported as one line naming it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { ModelFamily } from '../../src-shared/dto/library';
import { normaliseConfig } from '../engine/config/normalise-config';
import { readSafetensorsHeader, type SafetensorsHeader } from '../engine/io/safetensors';
import { shardFilesOfIndex } from '../engine/io/weight-store';
import { fileSource } from '../engine-node/file-source';
import { findChatTemplate } from '../engine-node/find-chat-template';
import { UserError } from '../errors';

export interface ModelFolderInfo {
  path: string;
  /** The folder name, which for downloads is the repo name. */
  name: string;
  family: ModelFamily;
  params: number;
  /** Torch-style name of the dtype most weights are stored in: bfloat16, float16, float32, float64. */
  dtype: string;
  hasChatTemplate: boolean;
  configHash: string;
  /** Weight files, relative to the folder (one, or every shard named by the index). */
  weightFiles: string[];
}

const INDEX_FILE = 'model.safetensors.index.json';
const SINGLE_FILE = 'model.safetensors';

const TORCH_DTYPE: Record<string, string> = { BF16: 'bfloat16', F16: 'float16', F32: 'float32', F64: 'float64', I64: 'int64', I32: 'int32' };

function readJsonFile(file: string, hint: string): unknown {
  if (!existsSync(file)) throw new UserError(`${basename(file)} is missing`, { where: file, hint });
  if (!statSync(file).isFile()) throw new UserError(`${basename(file)} is a folder, not a file`, { where: file, hint });
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new UserError(`${basename(file)} is not valid JSON (${(err as Error).message})`, { where: file, hint: 'download or copy the file again' });
  }
}

/** The weight files of a folder: the shards an index names, else model.safetensors. */
export function weightFilesOf(dir: string): string[] {
  const indexPath = join(dir, INDEX_FILE);
  if (existsSync(indexPath)) {
    return shardFilesOfIndex(readJsonFile(indexPath, 'download or copy the index again'), indexPath).sort();
  }
  if (existsSync(join(dir, SINGLE_FILE))) return [SINGLE_FILE];
  throw new UserError('no weights: neither model.safetensors nor model.safetensors.index.json is there', {
    where: dir,
    hint: 'Tuneloom reads safetensors checkpoints; convert pytorch_model.bin with transformers save_pretrained(safe_serialization=True)',
  });
}

async function readHeader(file: string): Promise<SafetensorsHeader> {
  if (!existsSync(file)) throw new UserError(`weight file ${basename(file)} is missing`, { where: file, hint: 'download every shard the index names' });
  const src = fileSource(file);
  try {
    return await readSafetensorsHeader(src);
  } finally {
    src.close();
  }
}

export async function inspectModelFolder(dirIn: string): Promise<ModelFolderInfo> {
  const dir = resolve(dirIn);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError('model folder not found', { where: dir, hint: 'pass a Hugging Face model folder (config.json, *.safetensors, tokenizer.json)' });
  }
  const configPath = join(dir, 'config.json');
  const configHint = 'a Hugging Face model folder needs the config.json that came with the checkpoint';
  if (!existsSync(configPath)) throw new UserError('config.json is missing', { where: configPath, hint: configHint });
  if (!statSync(configPath).isFile()) throw new UserError('config.json is a folder, not a file', { where: configPath, hint: configHint });
  const configBytes = readFileSync(configPath);
  let rawConfig: unknown;
  try {
    rawConfig = JSON.parse(configBytes.toString('utf8')) as unknown;
  } catch (err) {
    throw new UserError(`config.json is not valid JSON (${(err as Error).message})`, { where: configPath, hint: configHint });
  }
  const config = normaliseConfig(rawConfig, configPath);

  const tokenizerPath = join(dir, 'tokenizer.json');
  if (!existsSync(tokenizerPath)) {
    throw new UserError('tokenizer.json is missing', { where: tokenizerPath, hint: 'copy or download the tokenizer files with the model' });
  }
  if (!statSync(tokenizerPath).isFile())
    throw new UserError('tokenizer.json is a folder, not a file', { where: tokenizerPath, hint: 'copy or download the tokenizer files with the model' });
  const tokenizerConfig = readJsonFile(join(dir, 'tokenizer_config.json'), 'copy or download the tokenizer files with the model');
  const hasChatTemplate = findChatTemplate(dir, (tokenizerConfig ?? {}) as Record<string, unknown>) !== undefined;

  const weightFiles = weightFilesOf(dir);
  let params = 0;
  const bytesByDtype = new Map<string, number>();
  for (const f of weightFiles) {
    const header = await readHeader(join(dir, f));
    for (const t of header.tensors.values()) {
      const count = t.shape.reduce((a, b) => a * b, 1);
      params += count;
      bytesByDtype.set(t.dtype, (bytesByDtype.get(t.dtype) ?? 0) + count);
    }
  }
  if (params === 0) throw new UserError('the weight files hold no tensors', { where: join(dir, weightFiles[0]), hint: 'download or copy the weights again' });
  const mostCommon = [...bytesByDtype.entries()].sort((a, b) => b[1] - a[1])[0][0];

  return {
    path: dir,
    name: basename(dir),
    family: config.family,
    params,
    dtype: TORCH_DTYPE[mostCommon] ?? config.dtype,
    hasChatTemplate,
    configHash: createHash('sha256').update(configBytes).digest('hex'),
    weightFiles,
  };
}

/**
 * The Node implementation of the trainer's TrainIo: model and adapter folders through engine-node,
 * datasets through the data module's importDataset, and atomic, durable writes (fsynced files in a
 * temp folder renamed into place, so a crash never leaves a half-written checkpoint or adapter
 * behind, and a full or read-only disk is one line that leaves no temp folder).
 */
import { toFieldMap } from '../data/formats/mapped-format';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../errors';
import { makeDirs } from '../safe-dirs';
import { storageError } from '../storage-errors';
import { importDataset } from '../data/import-dataset';
import { parseFormat } from '../data/formats/detect-format';
import type { Example } from '../data/types';
import { parseEncoding } from '../data/encoding/decode-file';
import type { DatasetSpec } from '../engine/train/train-config';
import { readJsonFile } from './read-json';
import { openTrainEngine, type EngineOptions } from './open-train-engine';
import type { AdapterFiles } from '../engine/train/peft-files';
import type { CheckpointContents, TrainIo } from '../engine/train/train-io';
import { readSafetensorsFile } from './read-safetensors';
import { loadUserReward } from './reward-sandbox';

function bytesOf(files: AdapterFiles): number {
  return Object.values(files).reduce((n, f) => n + (typeof f === 'string' ? Buffer.byteLength(f) : f.byteLength), 0);
}

/** Writes a file and flushes it to the disk before returning. */
function writeFileDurably(file: string, data: string | Uint8Array): void {
  const fd = openSync(file, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    // A single write(2) moves at most ~2 GiB; a big optimizer state takes several.
    for (let off = 0; off < bytes.byteLength;) off += writeSync(fd, bytes, off, Math.min(bytes.byteLength - off, 1 << 30));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a folder's entries (the names just created or renamed in it). Not possible on Windows. */
function fsyncDir(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A write that failed: its temp files removed, a full or read-only disk as one line. */
function failedWrite(err: unknown, what: string, where: string, cleanup: () => void): never {
  try {
    cleanup();
  } catch {
    // best effort: the failure below is what the user needs to see
  }
  throw storageError(err, { action: `writing ${what}`, where, then: 'resume the run' }) ?? err;
}

/**
 * A checkpoint folder: files written and fsynced in `<dir>.tmp-PID`, the folder fsynced, renamed into
 * place, the parent fsynced. Only then does the trainer report it, so the store never records a
 * checkpoint that is not on disk. A failure leaves no temp folder behind.
 */
export function writeFolderAtomic(dir: string, files: AdapterFiles): number {
  const target = resolve(dir);
  const tmp = `${target}.tmp-${process.pid}`;
  const old = `${target}.old-${process.pid}`;
  try {
    rmSync(tmp, { recursive: true, force: true });
    // Not mkdir -p: on a read-only file system that says ENOENT; this way EROFS is what is reported.
    if (!existsSync(dirname(target))) mkdirSync(dirname(target), { recursive: true });
    mkdirSync(tmp);
    for (const [name, data] of Object.entries(files)) writeFileDurably(join(tmp, name), data);
    fsyncDir(tmp);
    if (existsSync(target)) {
      renameSync(target, old);
      renameSync(tmp, target);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, target);
    }
    fsyncDir(dirname(target));
  } catch (err) {
    failedWrite(err, basename(target), target, () => {
      rmSync(tmp, { recursive: true, force: true });
      if (existsSync(old) && !existsSync(target)) renameSync(old, target);
    });
  }
  return bytesOf(files);
}

export function writeFilesAtomic(dir: string, files: AdapterFiles): number {
  const abs = resolve(dir);
  // Weights first, config last: a folder with adapter_config.json is then always complete.
  const names = Object.keys(files).sort((a, b) => Number(a.endsWith('.json')) - Number(b.endsWith('.json')));
  const temps: string[] = [];
  try {
    if (!existsSync(abs)) mkdirSync(abs);
    for (const name of names) {
      const tmp = join(abs, `.${name}.tmp-${process.pid}`);
      temps.push(tmp);
      writeFileDurably(tmp, files[name]!);
      renameSync(tmp, join(abs, name));
    }
    fsyncDir(abs);
  } catch (err) {
    failedWrite(err, 'the adapter', abs, () => temps.forEach((t) => rmSync(t, { force: true })));
  }
  return bytesOf(files);
}

export function prepareOut(dir: string): void {
  const abs = makeDirs(dir, { what: '--out', hint: 'choose a folder you can write to' });
  try {
    accessSync(abs, constants.W_OK);
    const probe = join(abs, `.write-probe-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new UserError(`--out folder is not writable (${why})`, { where: abs, hint: 'choose a folder you can write to' });
  }
}

/** The examples of `file` (a file or a folder); with `spec`, of exactly its files in its encoding, as the import read them. */
export async function readExamples(
  file: string,
  format: string | undefined,
  map?: Record<string, string>,
  spec?: DatasetSpec,
): Promise<{ examples: Example[]; skipped: { line: number; reason: string }[] }> {
  if (!spec && !existsSync(file)) throw new UserError('data file not found', { where: resolve(file), hint: 'check the --data path' });
  const examples: Example[] = [];
  const fieldMap = map ? toFieldMap(map) : undefined;
  const fromSpec = spec ? { files: spec.files, encoding: parseEncoding(spec.encoding) } : {};
  const result = await importDataset(file, {
    format: parseFormat(format),
    ...fromSpec,
    ...(fieldMap ? { map: fieldMap } : {}),
    onExample: (e) => examples.push(e),
  });
  if (examples.length === 0)
    throw new UserError('the data file has no usable example', { where: resolve(file), hint: 'run `tuneloom data inspect` on it to see why' });
  // The hash is the import's own (streamed as it reads), so this check costs no second read.
  if (spec?.sha256 && result.sha256 !== spec.sha256) {
    throw new UserError('the dataset changed since it was imported (sha256 differs)', {
      where: resolve(file),
      hint: 'import it again on the Datasets page, then start the run',
    });
  }
  return { examples, skipped: result.skipped };
}

async function readSamplePrompts(file: string): Promise<string[]> {
  const text = readFileSync(file, 'utf8').trim();
  const where = resolve(file);
  // A JSON array of strings, or one prompt per line (JSONL of {"prompt"} / plain strings).
  const fromValue = (v: unknown): string => {
    if (typeof v === 'string') return v;
    const p = (v as { prompt?: unknown })?.prompt;
    if (typeof p === 'string') return p;
    throw new UserError('each sample prompt must be a string or {"prompt": "..."}', { where, hint: 'write a JSON array of strings' });
  };
  if (text.startsWith('[')) return (JSON.parse(text) as unknown[]).map(fromValue);
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim())
    .map((l) => (l.trim().startsWith('{') || l.trim().startsWith('"') ? fromValue(JSON.parse(l)) : l));
}

async function readCheckpoint(dir: string): Promise<CheckpointContents> {
  const abs = resolve(dir);
  for (const f of ['trainer_state.json', 'params.safetensors', 'optimizer.safetensors']) {
    if (!existsSync(join(abs, f)))
      throw new UserError(`checkpoint is missing ${f}`, { where: abs, hint: 'resume from a complete checkpoint-N folder written by `tuneloom train`' });
  }
  return {
    trainerState: readJsonFile(join(abs, 'trainer_state.json'), 'trainer_state.json'),
    params: await readSafetensorsFile(join(abs, 'params.safetensors')),
    optimizer: await readSafetensorsFile(join(abs, 'optimizer.safetensors')),
  };
}

/** The Node I/O of a run; `engine` says which engine and backend it trains on. */
export function createNodeTrainIo(engine: EngineOptions): TrainIo {
  return { ...nodeFileIo, openEngine: (cfg, initRng) => openTrainEngine(cfg, initRng, engine) };
}

const nodeFileIo: Omit<TrainIo, 'openEngine'> = {
  readExamples,
  readSamplePrompts,
  loadRewardFile(file, timeoutMs) {
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UserError(`cannot read the reward file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
        where: resolve(file),
        hint: 'check the --reward-file path',
      });
    }
    return loadUserReward(source, resolve(file), { timeoutMs });
  },
  prepareOut,
  writeFolderAtomic,
  writeFilesAtomic,
  readCheckpoint,
  join: (...parts) => join(...parts),
  now: () => performance.now(),
};

/**
 * Import of one dataset (a file, or a folder of files imported as one): streams every record through
 * decode -> container reader -> format adapter -> validation, collecting skips as {line, reason}, the
 * first examples as a preview, statistics, the seeded validation split and the sha256 of the bytes read.
 * Nothing is written anywhere: registering is `register.ts`'s job, done only once this has finished.
 * It is async and streams in 1 MiB chunks, yielding to the event loop on every read, so it can run in the
 * main process: the longest stall is the processing of one chunk (the benchmark measures it).
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { UserError } from '../errors';
import type { EncodingChoice } from './encoding/decode-file';
import type { FormatAdapter } from './formats/adapter';
import { assertFields, type FormatOptions } from './formats/detect-format';
import { ImportRun, importFile, type LengthRules } from './import-file';
import { resolveInput } from './list-files';
import type { TextUnit } from './readers/read-records';
import { validationIndices } from './split';
import { tokenLength, type DatasetStats, type LengthUnit } from './stats';
import type { DataFormat, Example, Skip } from './types';

export interface ImportOptions extends FormatOptions {
  encoding?: EncodingChoice;
  /**
   * Read exactly these files (a registered dataset's, in its order) instead of listing `input` again:
   * a run reads what the import read even if the folder gained a file since. `input` stays the folder.
   */
  files?: string[];
  /** skip: report bad records and go on (default); stop: the first bad record fails the import. */
  policy?: 'skip' | 'stop';
  dropDuplicates?: boolean;
  /** Examples longer than this (in `maxLenUnit`) are skipped and reported (or only counted, see `overLong`). */
  maxLen?: number;
  maxLenUnit?: LengthUnit;
  /** skip (default): over-long examples are skipped; keep: they stay in and are only counted (training truncates them). */
  overLong?: 'skip' | 'keep';
  /** A tokenizer's encode; with it, lengths and the histogram are in tokens. */
  encode?: (text: string) => number[];
  /** Tokens of one example as training feeds it (chat template included); wins over `encode`'s content-only count. */
  lengthOf?: (example: Example) => number;
  textUnit?: TextUnit;
  /** Share of examples drawn for validation, with `seed` (default 42). */
  valSplit?: number;
  seed?: number;
  /** A separate validation file or folder (e.g. AdvertiseGen's dev.json), imported the same way. */
  valPath?: string;
  sampleSize?: number;
  /** Skips kept in the result's list (all are counted). */
  maxSkipsListed?: number;
  /** Every accepted example, in order, for callers that consume the data as it streams. */
  onExample?: (example: Example, at: { file: string; line: number; index: number }) => void;
  /** Read sizes (tests use tiny ones to cross chunk boundaries everywhere). */
  chunkBytes?: number;
  sampleBytes?: number;
}

export interface ImportProgress {
  file: string;
  bytesRead: number;
  totalBytes: number;
  examples: number;
  skipped: number;
}

export interface FileHash {
  path: string;
  sha256: string;
  encoding: string;
  confidence: number;
}

export interface ImportResult {
  name: string;
  input: string;
  files: FileHash[];
  format: DataFormat;
  encoding: string;
  confidence: number;
  fields: Record<string, string>;
  examples: number;
  skipped: Skip[];
  skippedTotal: number;
  /** Records kept with a JSON number or boolean read as text (`5` -> "5"): reported, never silent. */
  coerced: Skip[];
  coercedTotal: number;
  duplicatesDropped: number;
  sample: Example[];
  stats: DatasetStats;
  /** sha256 of the file, or of its files' sorted hashes (one per line) for a folder. */
  sha256: string;
  split: SplitInfo | null;
}

export type SplitInfo =
  | { kind: 'seeded'; ratio: number; seed: number; train: number; val: number; valIndices: Uint32Array }
  | { kind: 'file'; path: string; train: number; val: number; sha256: string; skippedTotal: number };

function gone(file: string, input: string): never {
  throw new UserError('a file of this dataset is no longer there', { where: file, hint: `put it back, or import ${input} again` });
}

/** Lengths in tokens when a tokenizer (or a training-side measure) is given, else in characters. */
function lengthRules(opts: ImportOptions): LengthRules {
  const measured = opts.lengthOf ?? (opts.encode ? (e: Example) => tokenLength(e, opts.encode!) : undefined);
  const unit: LengthUnit = measured ? 'tokens' : 'chars';
  const maxLenUnit = opts.maxLenUnit ?? unit;
  if (maxLenUnit === 'tokens' && !measured && opts.maxLen !== undefined) {
    throw new UserError('a max length in tokens needs a tokenizer', { hint: 'give a model, or the max length in characters' });
  }
  return { measured, unit, maxLenUnit };
}

export async function importDataset(input: string, opts: ImportOptions = {}, onProgress?: (p: ImportProgress) => void): Promise<ImportResult> {
  const { files, isFolder } = opts.files
    ? { files: opts.files, isFolder: opts.files.length > 1 || resolve(opts.files[0] ?? '') !== resolve(input) }
    : await resolveInput(input);
  const sizes = await Promise.all(files.map(async (f) => (await stat(f).catch(() => gone(f, input))).size));
  const run = new ImportRun(input, opts, files, isFolder, sizes, lengthRules(opts), onProgress);
  for (let fi = 0; fi < files.length; fi++) await importFile(run, fi);
  const adapter = assertUsable(run);
  const split = await splitOf(run);
  return resultOf(run, adapter, split);
}

/** The import's adapter, or the error that says why nothing usable was read. */
function assertUsable(run: ImportRun): FormatAdapter {
  const { adapter, examples, firstRecord, skippedTotal } = run;
  // Nothing usable: a field the format needs that the records lack explains it better than the skips.
  if (adapter && examples === 0 && firstRecord) assertFields(adapter, run.opts, firstRecord.keys, firstRecord.where);
  if (!adapter || examples === 0) {
    const first = run.skipped[0];
    const why = first ? ` (first: ${first.file ? first.file + ':' : 'line '}${first.line}: ${first.reason})` : '';
    throw new UserError(
      skippedTotal
        ? `no usable examples: all ${skippedTotal} records were skipped${why}`
        : 'no examples: the file holds no records (a CSV needs rows below its header)',
      {
        where: run.input,
        hint: skippedTotal ? 'check the format and the field mapping' : 'choose a file with data',
      },
    );
  }
  return adapter;
}

/** The validation split: a separate file imported the same way, or a seeded draw of the examples. */
async function splitOf(run: ImportRun): Promise<SplitInfo | null> {
  const { opts, examples } = run;
  if (opts.valPath) {
    const val = await importDataset(opts.valPath, { ...opts, format: run.format, valPath: undefined, valSplit: undefined, onExample: undefined });
    return { kind: 'file', path: opts.valPath, train: examples, val: val.examples, sha256: val.sha256, skippedTotal: val.skippedTotal };
  } else if (opts.valSplit !== undefined && opts.valSplit > 0) {
    const seed = opts.seed ?? 42;
    const valIndices = validationIndices(examples, opts.valSplit, seed);
    return { kind: 'seeded', ratio: opts.valSplit, seed, train: examples - valIndices.length, val: valIndices.length, valIndices };
  }
  return null;
}

function resultOf(run: ImportRun, adapter: FormatAdapter, split: SplitInfo | null): ImportResult {
  const { input, fileHashes, stats, tokens } = run;
  const encodings = [...new Set(fileHashes.map((f) => f.encoding))];
  const sha256 =
    fileHashes.length === 1
      ? fileHashes[0].sha256
      : createHash('sha256')
          .update(
            fileHashes
              .map((f) => f.sha256)
              .sort()
              .join('\n'),
          )
          .digest('hex');
  return {
    name: basename(input, extname(input)),
    input,
    files: fileHashes,
    format: adapter.format,
    encoding: encodings.join(','),
    // A loop, not Math.min(...list): a folder of many files must not hit V8's argument limit.
    confidence: fileHashes.reduce((m, f) => Math.min(m, f.confidence), 1),
    fields: adapter.fields,
    examples: run.examples,
    skipped: run.skipped,
    skippedTotal: run.skippedTotal,
    coerced: run.coerced,
    coercedTotal: run.coercedTotal,
    duplicatesDropped: run.duplicates,
    sample: run.sample,
    // One epoch trains on the training split only.
    stats: stats.finish(run.overMaxLen, run.lengths.measured ? tokens - (split?.kind === 'seeded' ? stats.sumAt(split.valIndices) : 0) : null),
    sha256,
    split,
  };
}

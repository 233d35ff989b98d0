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
import { basename, dirname, extname, relative, resolve } from 'node:path';
import { UserError } from '../errors';
import type { EncodingChoice } from './encoding/decode-file';
import { asObject, withCoercions, type FormatAdapter } from './formats/adapter';
import { assertFields, buildAdapter, type FormatOptions } from './formats/detect-format';
import { resolveInput } from './list-files';
import { openRecords, type TextUnit } from './readers/read-records';
import { validationIndices } from './split';
import { charLength, StatsCollector, tokenLength, type DatasetStats, type LengthUnit } from './stats';
import type { DataFormat, Example, RawRecord, Skip } from './types';

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

/** cyrb53: a fast 53-bit string hash; a collision among a million examples has odds near 1 in 10^4. */
function hash53(s: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

function dedupeKey(e: Example): string {
  if ('text' in e) return e.text;
  let k = '';
  for (const m of e.messages) k += m.role + '\u0001' + m.content + '\u0002';
  return k;
}

function gone(file: string, input: string): never {
  throw new UserError('a file of this dataset is no longer there', { where: file, hint: `put it back, or import ${input} again` });
}

export async function importDataset(input: string, opts: ImportOptions = {}, onProgress?: (p: ImportProgress) => void): Promise<ImportResult> {
  const { files, isFolder } = opts.files
    ? { files: opts.files, isFolder: opts.files.length > 1 || resolve(opts.files[0] ?? '') !== resolve(input) }
    : await resolveInput(input);
  const sizes = await Promise.all(files.map(async (f) => (await stat(f).catch(() => gone(f, input))).size));
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const measured = opts.lengthOf ?? (opts.encode ? (e: Example) => tokenLength(e, opts.encode!) : undefined);
  const unit: LengthUnit = measured ? 'tokens' : 'chars';
  const maxLenUnit = opts.maxLenUnit ?? unit;
  if (maxLenUnit === 'tokens' && !measured && opts.maxLen !== undefined) {
    throw new UserError('a max length in tokens needs a tokenizer', { hint: 'give a model, or the max length in characters' });
  }
  const maxSkipsListed = opts.maxSkipsListed ?? 1000;
  const sampleSize = opts.sampleSize ?? 3;
  const stats = new StatsCollector(unit, opts.maxLen ?? null);
  const skipped: Skip[] = [];
  const coerced: Skip[] = [];
  let coercedTotal = 0;
  const sample: Example[] = [];
  // Content hash -> where it was first seen, as fileIndex x 2^32 + line (numbers, not strings, for memory).
  const seen = opts.dropDuplicates ? new Map<number, number>() : undefined;
  const fileHashes: FileHash[] = [];
  let skippedTotal = 0;
  let duplicates = 0;
  let overMaxLen = 0;
  let tokens = 0;
  let examples = 0;
  let bytesBefore = 0;
  let adapter: FormatAdapter | undefined;
  let format = opts.format;
  let firstRecord: { keys: string[]; where: string } | undefined;

  for (let fi = 0; fi < files.length; fi++) {
    const file = files[fi];
    const label = isFolder ? relative(input, file) : undefined;
    const folderName = isFolder ? basename(dirname(file)) : undefined;
    const hash = createHash('sha256');
    const reader = await openRecords(file, {
      encoding: opts.encoding,
      hash,
      textUnit: opts.textUnit,
      chunkBytes: opts.chunkBytes,
      sampleBytes: opts.sampleBytes,
      onBytes: (n) => onProgress?.({ file, bytesRead: bytesBefore + n, totalBytes, examples, skipped: skippedTotal }),
    });
    // Each file of a folder is checked against the format the first one settled.
    let fileAdapter: FormatAdapter | undefined;
    const skip = (line: number, reason: string) => {
      if (opts.policy === 'stop') {
        throw new UserError(reason, { where: `${file}:${line}`, hint: 'fix that record, or import with the skip policy to leave such records out' });
      }
      skippedTotal++;
      if (skipped.length < maxSkipsListed) skipped.push(label ? { line, reason, file: label } : { line, reason });
    };
    const decide = (rec: { line: number; value: unknown }): FormatAdapter => {
      const keys =
        reader.header ??
        (reader.container === 'text'
          ? ['text']
          : rec.value !== null && typeof rec.value === 'object' && !Array.isArray(rec.value)
            ? Object.keys(rec.value)
            : []);
      const where = `${file}:${reader.header ? 1 : rec.line}`;
      const a = buildAdapter({ ...opts, format }, keys, rec.value, reader.container, where);
      if (reader.header) assertFields(a, opts, keys, where);
      else firstRecord ??= { keys, where };
      format = a.format;
      adapter ??= a;
      return a;
    };
    const take = (rec: RawRecord) => {
      if ('error' in rec) return skip(rec.line, rec.error);
      if (!fileAdapter) {
        // Fields are read off the first record that is an object; one that is not is just a bad record.
        const o = asObject(rec.value);
        if (typeof o === 'string' && !reader.header && reader.container !== 'text') return skip(rec.line, o);
        fileAdapter = decide(rec);
      }
      const cells: string[] = [];
      const ex = withCoercions(
        (field, v) => cells.push(`"${field}" is the ${typeof v} ${String(v)}`),
        () => fileAdapter!.normalise(rec.value),
      );
      if (typeof ex === 'string') return skip(rec.line, ex);
      if (cells.length) {
        coercedTotal++;
        const reason = `read as text: ${cells.join(', ')} (quote it in the file if it is meant as text)`;
        if (coerced.length < maxSkipsListed) coerced.push(label ? { line: rec.line, reason, file: label } : { line: rec.line, reason });
      }
      if (folderName !== undefined && 'messages' in ex && fileAdapter.format === 'medical-csv' && !ex.meta?.department)
        ex.meta = { ...ex.meta, department: folderName };
      const chars = charLength(ex);
      const toks = measured ? measured(ex) : 0;
      const length = unit === 'tokens' ? toks : chars;
      if (opts.maxLen !== undefined) {
        const limited = maxLenUnit === 'tokens' ? toks : chars;
        if (limited > opts.maxLen) {
          overMaxLen++;
          if (opts.overLong !== 'keep') return skip(rec.line, `over-long: ${limited} ${maxLenUnit} > max ${opts.maxLen}`);
        }
      }
      if (seen) {
        const h = hash53(dedupeKey(ex));
        const first = seen.get(h);
        if (first !== undefined) {
          duplicates++;
          const firstFile = Math.floor(first / 2 ** 32);
          const firstLine = first % 2 ** 32;
          return skip(rec.line, `duplicate of ${isFolder ? `${relative(input, files[firstFile])}:${firstLine}` : `line ${firstLine}`}`);
        }
        seen.set(h, fi * 2 ** 32 + rec.line);
      }
      if (sample.length < sampleSize) sample.push(ex);
      stats.add(ex, chars, length);
      tokens += toks;
      opts.onExample?.(ex, { file, line: rec.line, index: examples });
      examples++;
    };
    for await (const batch of reader.batches) {
      for (let i = 0; i < batch.length; i++) take(batch[i]);
    }
    if (!fileAdapter && reader.header) fileAdapter = decide({ line: 1, value: undefined });
    fileHashes.push({ path: file, sha256: hash.digest('hex'), encoding: reader.encoding, confidence: reader.confidence });
    bytesBefore += sizes[fi];
    onProgress?.({ file, bytesRead: bytesBefore, totalBytes, examples, skipped: skippedTotal });
  }

  // Nothing usable: a field the format needs that the records lack explains it better than the skips.
  if (adapter && examples === 0 && firstRecord) assertFields(adapter, opts, firstRecord.keys, firstRecord.where);
  if (!adapter || examples === 0) {
    const first = skipped[0];
    const why = first ? ` (first: ${first.file ? first.file + ':' : 'line '}${first.line}: ${first.reason})` : '';
    throw new UserError(
      skippedTotal
        ? `no usable examples: all ${skippedTotal} records were skipped${why}`
        : 'no examples: the file holds no records (a CSV needs rows below its header)',
      {
        where: input,
        hint: skippedTotal ? 'check the format and the field mapping' : 'choose a file with data',
      },
    );
  }

  let split: SplitInfo | null = null;
  if (opts.valPath) {
    const val = await importDataset(opts.valPath, { ...opts, format, valPath: undefined, valSplit: undefined, onExample: undefined });
    split = { kind: 'file', path: opts.valPath, train: examples, val: val.examples, sha256: val.sha256, skippedTotal: val.skippedTotal };
  } else if (opts.valSplit !== undefined && opts.valSplit > 0) {
    const seed = opts.seed ?? 42;
    const valIndices = validationIndices(examples, opts.valSplit, seed);
    split = { kind: 'seeded', ratio: opts.valSplit, seed, train: examples - valIndices.length, val: valIndices.length, valIndices };
  }

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
    examples,
    skipped,
    skippedTotal,
    coerced,
    coercedTotal,
    duplicatesDropped: duplicates,
    sample,
    // One epoch trains on the training split only.
    stats: stats.finish(overMaxLen, measured ? tokens - (split?.kind === 'seeded' ? stats.sumAt(split.valIndices) : 0) : null),
    sha256,
    split,
  };
}

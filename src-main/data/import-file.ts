/**
 * One file of a dataset import (`import-dataset.ts`): its records go through the format adapter into
 * the tally the whole import shares (skips, coercions, duplicates, lengths, sample, stats, file hashes).
 * Apart from `importDataset` so that the per-record steps are methods with names, not one long closure.
 */
import { createHash } from 'node:crypto';
import { basename, dirname, relative } from 'node:path';
import { UserError } from '../errors';
import { asObject, withCoercions, type FormatAdapter } from './formats/adapter';
import { assertFields, buildAdapter } from './formats/detect-format';
import type { FileHash, ImportOptions, ImportProgress } from './import-dataset';
import { openRecords, type RecordReader } from './readers/read-records';
import { charLength, StatsCollector, type LengthUnit } from './stats';
import type { DataFormat, Example, RawRecord, Skip } from './types';

/** How examples are measured: `measured` counts tokens (absent: characters are the only length). */
export interface LengthRules {
  measured: ((e: Example) => number) | undefined;
  unit: LengthUnit;
  maxLenUnit: LengthUnit;
}

/** The files of one import and what it has gathered so far, shared by every file's records. */
export class ImportRun {
  readonly totalBytes: number;
  readonly maxSkipsListed: number;
  readonly sampleSize: number;
  readonly stats: StatsCollector;
  readonly skipped: Skip[] = [];
  readonly coerced: Skip[] = [];
  readonly sample: Example[] = [];
  // Content hash -> where it was first seen, as fileIndex x 2^32 + line (numbers, not strings, for memory).
  readonly seen: Map<number, number> | undefined;
  readonly fileHashes: FileHash[] = [];
  coercedTotal = 0;
  skippedTotal = 0;
  duplicates = 0;
  overMaxLen = 0;
  tokens = 0;
  examples = 0;
  bytesBefore = 0;
  adapter: FormatAdapter | undefined;
  format: DataFormat | 'auto' | undefined;
  firstRecord: { keys: string[]; where: string } | undefined;

  constructor(
    readonly input: string,
    readonly opts: ImportOptions,
    readonly files: string[],
    readonly isFolder: boolean,
    readonly sizes: number[],
    readonly lengths: LengthRules,
    readonly onProgress: ((p: ImportProgress) => void) | undefined,
  ) {
    this.totalBytes = sizes.reduce((a, b) => a + b, 0);
    this.maxSkipsListed = opts.maxSkipsListed ?? 1000;
    this.sampleSize = opts.sampleSize ?? 3;
    this.stats = new StatsCollector(lengths.unit, opts.maxLen ?? null);
    this.seen = opts.dropDuplicates ? new Map<number, number>() : undefined;
    this.format = opts.format;
  }

  progress(file: string, bytesRead: number): void {
    this.onProgress?.({ file, bytesRead, totalBytes: this.totalBytes, examples: this.examples, skipped: this.skippedTotal });
  }
}

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

/** Reads the file `run.files[fi]` to its end, adding its records and its hash to `run`. */
export async function importFile(run: ImportRun, fi: number): Promise<void> {
  const file = run.files[fi];
  const { opts } = run;
  const hash = createHash('sha256');
  const reader = await openRecords(file, {
    encoding: opts.encoding,
    hash,
    textUnit: opts.textUnit,
    chunkBytes: opts.chunkBytes,
    sampleBytes: opts.sampleBytes,
    onBytes: (n) => run.progress(file, run.bytesBefore + n),
  });
  const taker = new RecordTaker(run, fi, reader);
  for await (const batch of reader.batches) {
    for (let i = 0; i < batch.length; i++) taker.take(batch[i]);
  }
  taker.settleHeaderOnly();
  run.fileHashes.push({ path: file, sha256: hash.digest('hex'), encoding: reader.encoding, confidence: reader.confidence });
  run.bytesBefore += run.sizes[fi];
  run.progress(file, run.bytesBefore);
}

/** Takes the records of one file: each becomes an example of the tally, or a skip with its reason. */
class RecordTaker {
  private readonly file: string;
  private readonly label: string | undefined;
  private readonly folderName: string | undefined;
  // Each file of a folder is checked against the format the first one settled.
  private fileAdapter: FormatAdapter | undefined;

  constructor(
    private readonly run: ImportRun,
    private readonly fi: number,
    private readonly reader: RecordReader,
  ) {
    this.file = run.files[fi];
    this.label = run.isFolder ? relative(run.input, this.file) : undefined;
    this.folderName = run.isFolder ? basename(dirname(this.file)) : undefined;
  }

  take(rec: RawRecord): void {
    if ('error' in rec) return this.skip(rec.line, rec.error);
    const { reader } = this;
    if (!this.fileAdapter) {
      // Fields are read off the first record that is an object; one that is not is just a bad record.
      const o = asObject(rec.value);
      if (typeof o === 'string' && !reader.header && reader.container !== 'text') return this.skip(rec.line, o);
      this.fileAdapter = this.decide(rec);
    }
    const adapter = this.fileAdapter;
    const cells: string[] = [];
    const ex = withCoercions(
      (field, v) => cells.push(`"${field}" is the ${typeof v} ${String(v)}`),
      () => adapter.normalise(rec.value),
    );
    if (typeof ex === 'string') return this.skip(rec.line, ex);
    if (cells.length) this.noteCoerced(rec.line, cells);
    if (this.folderName !== undefined && 'messages' in ex && adapter.format === 'medical-csv' && !ex.meta?.department)
      ex.meta = { ...ex.meta, department: this.folderName };
    this.accept(ex, rec.line);
  }

  /** A CSV with a header and no rows still settles its format (and checks its fields). */
  settleHeaderOnly(): void {
    if (!this.fileAdapter && this.reader.header) this.fileAdapter = this.decide({ line: 1, value: undefined });
  }

  private skip(line: number, reason: string): void {
    const { run } = this;
    if (run.opts.policy === 'stop') {
      throw new UserError(reason, { where: `${this.file}:${line}`, hint: 'fix that record, or import with the skip policy to leave such records out' });
    }
    run.skippedTotal++;
    if (run.skipped.length < run.maxSkipsListed) run.skipped.push(this.label ? { line, reason, file: this.label } : { line, reason });
  }

  private noteCoerced(line: number, cells: string[]): void {
    const { run } = this;
    run.coercedTotal++;
    const reason = `read as text: ${cells.join(', ')} (quote it in the file if it is meant as text)`;
    if (run.coerced.length < run.maxSkipsListed) run.coerced.push(this.label ? { line, reason, file: this.label } : { line, reason });
  }

  private decide(rec: { line: number; value: unknown }): FormatAdapter {
    const { run, reader } = this;
    const keys =
      reader.header ??
      (reader.container === 'text' ? ['text'] : rec.value !== null && typeof rec.value === 'object' && !Array.isArray(rec.value) ? Object.keys(rec.value) : []);
    const where = `${this.file}:${reader.header ? 1 : rec.line}`;
    const a = buildAdapter({ ...run.opts, format: run.format }, keys, rec.value, reader.container, where);
    if (reader.header) assertFields(a, run.opts, keys, where);
    else run.firstRecord ??= { keys, where };
    run.format = a.format;
    run.adapter ??= a;
    return a;
  }

  /** Length limit, then duplicates: an example that passes both joins the sample, the stats and the stream. */
  private accept(ex: Example, line: number): void {
    const { run } = this;
    const { opts } = run;
    const { measured, unit, maxLenUnit } = run.lengths;
    const chars = charLength(ex);
    const toks = measured ? measured(ex) : 0;
    const length = unit === 'tokens' ? toks : chars;
    if (opts.maxLen !== undefined) {
      const limited = maxLenUnit === 'tokens' ? toks : chars;
      if (limited > opts.maxLen) {
        run.overMaxLen++;
        if (opts.overLong !== 'keep') return this.skip(line, `over-long: ${limited} ${maxLenUnit} > max ${opts.maxLen}`);
      }
    }
    if (run.seen && this.isDuplicate(run.seen, ex, line)) return;
    if (run.sample.length < run.sampleSize) run.sample.push(ex);
    run.stats.add(ex, chars, length);
    run.tokens += toks;
    opts.onExample?.(ex, { file: this.file, line, index: run.examples });
    run.examples++;
  }

  /** True (and skipped) when the same content was seen before; otherwise remembers where it is first seen. */
  private isDuplicate(seen: Map<number, number>, ex: Example, line: number): boolean {
    const { run } = this;
    const h = hash53(dedupeKey(ex));
    const first = seen.get(h);
    if (first !== undefined) {
      run.duplicates++;
      const firstFile = Math.floor(first / 2 ** 32);
      const firstLine = first % 2 ** 32;
      this.skip(line, `duplicate of ${run.isFolder ? `${relative(run.input, run.files[firstFile])}:${firstLine}` : `line ${firstLine}`}`);
      return true;
    }
    seen.set(h, this.fi * 2 ** 32 + line);
    return false;
  }
}

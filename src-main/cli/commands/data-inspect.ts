/**
 * `tuneloom data inspect FILE`: detects a dataset's encoding and format, normalises it to chats, and
 * reports examples, line-numbered skips, how fields map to roles and the first examples
 * (../shared/docs/CLI.md). `--register` also records it in the store, only after a clean read.
 */
import { UserError } from '../../errors';
import { parseEncoding } from '../../data/encoding/decode-file';
import { parseFormat } from '../../data/formats/detect-format';
import { parseMap } from '../../data/formats/mapped-format';
import { importDataset, type ImportOptions, type ImportResult } from '../../data/import-dataset';
import { registerImport } from '../../data/register';
import type { TextUnit } from '../../data/readers/read-records';
import type { Example } from '../../data/types';
import { openStore } from '../../store/db';
import { resolveStorePath } from '../../store/paths';
import { flag, str, writeJson, type CliCommand, type CliContext } from '../command';
import { parseNumberFlag } from '../parse-number';

const HELP = `Usage: tuneloom data inspect FILE|FOLDER [--format auto|FORMAT] [--encoding auto|utf-8|gb18030|big5]
       [--map col=role,...] [--json] [options]

Detects the encoding and the format of a dataset, normalises every record to a chat
({"messages":[{role,content}]}, or {"text"} for plain text) and reports the examples, the records
skipped (with the 1-based line each starts on), how fields map to roles and the first 3 examples.
A folder is imported as one dataset (e.g. the medical CSVs, one folder per department).

Limits: a record (a JSONL line, a JSON array element, a CSV row, a text line or paragraph) over
1,048,576 characters, or JSON nested over 64 levels, is skipped and reported with its line. A CSV
quote that never closes, or runs over 500 lines, is one skipped row; the lines after it are read.

Formats: messages (OpenAI messages, ShareGPT conversations from/value), conversations (role/content),
  alpaca (instruction/input/output[/system]), adgen (content/summary), medical-csv
  (department,title,ask,answer; title is the question when ask is empty), cot
  (Question/Complex_CoT/Response), s1k (question/thinking_trajectories/attempt[/solution]: the
  trajectories become the <think> block, attempt the answer), gsm8k (question/answer with #### N),
  text (.txt or a text column), csv (needs --map).

Options:
  --format auto|FORMAT      the format (default: detected from the fields)
  --encoding auto|utf-8|gb18030|big5
                            the encoding (default: BOM, then strict UTF-8, then GB18030)
  --map col=role,...        map fields to roles: system, user, assistant, text, meta
                            (several columns with one role are joined by newlines)
  --cot-template STR        assistant turn of the cot and s1k formats, with {cot} and {response}
                            (default "<think>\\n{cot}\\n</think>\\n\\n{response}")
  --text-unit auto|line|paragraph
                            plain text: one example per line or per paragraph (default auto)
  --policy skip|stop        skip bad records and report them (default), or stop at the first
  --dedupe                  drop exact duplicate examples (reported as skipped)
  --max-len N               skip and report examples longer than N characters
  --val-split R             draw a share R of the examples for validation (seeded by --seed)
  --seed N                  seed of the split (default 42)
  --val-data FILE           a separate validation file, checked the same way
  --register                record the dataset in the store (--db FILE), after a clean read
  --name NAME               the dataset's name in the store (default: the file name)
  --json                    one JSON document: {"format","encoding","confidence","examples",
                            "skipped":[{line,reason}],"coerced":[{line,reason}],"fields","sample",...}
                            ("coerced": records kept with a JSON number or true/false read as text)
`;

export const dataInspectCommand: CliCommand = {
  name: 'data inspect',
  summary: 'Detect format and encoding of a dataset file; report examples and skipped lines.',
  help: HELP,
  allowPositionals: true,
  options: {
    format: { type: 'string' },
    encoding: { type: 'string' },
    map: { type: 'string' },
    'cot-template': { type: 'string' },
    'text-unit': { type: 'string' },
    policy: { type: 'string' },
    dedupe: { type: 'boolean' },
    'max-len': { type: 'string' },
    'val-split': { type: 'string' },
    seed: { type: 'string' },
    'val-data': { type: 'string' },
    register: { type: 'boolean' },
    name: { type: 'string' },
  },
  async run(ctx) {
    if (ctx.positionals.length !== 1) {
      throw new UserError(ctx.positionals.length ? `expected one FILE, got ${ctx.positionals.length}` : 'no FILE given', {
        hint: 'usage: tuneloom data inspect FILE [--json]',
      });
    }
    const file = ctx.positionals[0];
    const opts = optionsFrom(ctx);
    const result = await importDataset(file, opts);
    let datasetId: number | undefined;
    if (flag(ctx, 'register')) {
      const db = openStore(resolveStorePath(str(ctx, 'db')));
      try {
        datasetId = registerImport(db, result, str(ctx, 'name'));
      } finally {
        db.close();
      }
    }
    if (flag(ctx, 'json')) writeJson(ctx, toJson(result, datasetId));
    else ctx.stdout.write(humanReport(file, result, datasetId));
  },
};

function optionsFrom(ctx: CliContext): ImportOptions {
  const policy = str(ctx, 'policy') ?? 'skip';
  if (policy !== 'skip' && policy !== 'stop') throw new UserError(`--policy must be skip or stop, got "${policy}"`);
  const textUnit = str(ctx, 'text-unit') ?? 'auto';
  if (!['auto', 'line', 'paragraph'].includes(textUnit)) throw new UserError(`--text-unit must be auto, line or paragraph, got "${textUnit}"`);
  const map = str(ctx, 'map');
  const format = parseFormat(str(ctx, 'format'));
  if (format === 'csv' && !map) throw new UserError('--format csv needs --map col=role,...', { hint: 'e.g. --map question=user,answer=assistant' });
  return {
    format,
    encoding: parseEncoding(str(ctx, 'encoding')),
    map: map === undefined ? undefined : parseMap(map),
    cotTemplate: str(ctx, 'cot-template'),
    textUnit: textUnit as TextUnit,
    policy,
    dropDuplicates: flag(ctx, 'dedupe'),
    maxLen: parseNumberFlag(str(ctx, 'max-len'), 'max-len', { integer: true, min: 1 }),
    valSplit: parseNumberFlag(str(ctx, 'val-split'), 'val-split', { min: 0 }),
    seed: parseNumberFlag(str(ctx, 'seed'), 'seed', { integer: true, fallback: 42 }),
    valPath: str(ctx, 'val-data'),
  };
}

function toJson(r: ImportResult, datasetId: number | undefined): Record<string, unknown> {
  const s = r.stats;
  const split =
    r.split &&
    (r.split.kind === 'seeded'
      ? { kind: 'seeded', ratio: r.split.ratio, seed: r.split.seed, train: r.split.train, val: r.split.val }
      : { kind: 'file', path: r.split.path, train: r.split.train, val: r.split.val, val_skipped: r.split.skippedTotal });
  return {
    format: r.format,
    encoding: r.encoding,
    confidence: r.confidence,
    examples: r.examples,
    skipped: r.skipped,
    skipped_total: r.skippedTotal,
    coerced: r.coerced,
    coerced_total: r.coercedTotal,
    fields: r.fields,
    sample: r.sample,
    stats: {
      unit: s.unit,
      min: s.minLength,
      max: s.maxLength,
      mean: s.meanLength,
      p50: s.p50,
      p95: s.p95,
      histogram: s.histogram,
      max_len: s.maxLen,
      over_max_len: s.overMaxLen,
      total_chars: s.totalChars,
      tokens_per_epoch: s.tokensPerEpoch,
      multi_turn: s.multiTurn,
      with_system: s.withSystem,
      duplicates_dropped: r.duplicatesDropped,
      meta: s.meta,
    },
    split,
    sha256: r.sha256,
    files: r.files.map((f) => ({ path: f.path, sha256: f.sha256, encoding: f.encoding, confidence: f.confidence })),
    ...(datasetId === undefined ? {} : { dataset_id: datasetId }),
  };
}

const clip = (s: string, n = 120) => {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > n ? flat.slice(0, n - 1) + '…' : flat;
};

function exampleLines(e: Example): string[] {
  if ('text' in e) return [`    text: ${clip(e.text)}`];
  const lines = e.messages.map((m) => `    ${m.role}: ${clip(m.content)}`);
  if (e.meta)
    lines.push(
      `    (${Object.entries(e.meta)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')})`,
    );
  return lines;
}

function humanReport(file: string, r: ImportResult, datasetId: number | undefined): string {
  const s = r.stats;
  const out: string[] = [file];
  out.push(`  format      ${r.format}`);
  out.push(`  encoding    ${r.encoding} (confidence ${r.confidence})`);
  if (r.files.length > 1) out.push(`  files       ${r.files.length}`);
  out.push(`  examples    ${r.examples}`);
  out.push(`  skipped     ${r.skippedTotal}${r.skippedTotal > 10 ? ' (first 10 below)' : ''}`);
  for (const k of r.skipped.slice(0, 10)) out.push(`    ${k.file ? k.file + ':' : 'line '}${k.line}: ${k.reason}`);
  if (r.coercedTotal) {
    out.push(`  numbers or true/false read as text  ${r.coercedTotal}${r.coercedTotal > 10 ? ' (first 10 below)' : ''}`);
    for (const k of r.coerced.slice(0, 10)) out.push(`    ${k.file ? k.file + ':' : 'line '}${k.line}: ${k.reason}`);
  }
  out.push('  fields');
  for (const [f, role] of Object.entries(r.fields)) out.push(`    ${f} -> ${role}`);
  out.push(`  length (${s.unit})  min ${s.minLength}  median ${s.p50}  p95 ${s.p95}  max ${s.maxLength}  mean ${s.meanLength}`);
  if (s.maxLen !== null) out.push(`  over --max-len ${s.maxLen}: ${s.overMaxLen}`);
  const peak = Math.max(1, ...s.histogram.map((b) => b.count));
  for (const b of s.histogram) out.push(`    ${`${b.from}-${b.to}`.padStart(13)} ${'#'.repeat(Math.ceil((b.count / peak) * 40))} ${b.count}`);
  if (r.split)
    out.push(
      `  split       train ${r.split.train}, validation ${r.split.val}${r.split.kind === 'seeded' ? ` (ratio ${r.split.ratio}, seed ${r.split.seed})` : ` (${r.split.path})`}`,
    );
  r.sample.forEach((e, i) => out.push(`  example ${i + 1}`, ...exampleLines(e)));
  out.push(`  sha256      ${r.sha256}`);
  if (datasetId !== undefined) out.push(`  registered  dataset ${datasetId}`);
  return out.join('\n') + '\n';
}

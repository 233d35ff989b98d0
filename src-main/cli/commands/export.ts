/**
 * `tuneloom export --model DIR --adapter DIR --to adapter|merged|gguf [--gguf-type f16|q8_0] --out PATH`
 * (../shared/docs/CLI.md), plus --dtype, --force, --no-self-check and --json.
 */
import { UserError } from '../../errors';
import { parseBackendChoice } from '../../engine-node/backend-choice';
import { runExport, type ExportRequest } from '../../export/run-export';
import { exportAdapter } from '../../export/adapter-export';
import { protectedPaths } from '../../export/output-folder';
import { flag, str, type CliCommand, type CliContext } from '../command';
import { eventsHelp, EVENTS_OPTION, jobEvents, writeJobResult } from '../job-output';
import type { JobEventWriter } from '../../workers/jobs/job-events';
import { resolve } from 'node:path';
import { openStore } from '../../store/db';
import { resolveStorePath } from '../../store/paths';
import { recordExport, type ExportRecord } from '../../store/queries/eval-runs';

const HELP = `Usage: tuneloom export --model DIR --adapter DIR --to adapter|merged|gguf [--gguf-type f16|q8_0] --out PATH
                       [--dtype auto|f32|f16|bf16] [--force] [--no-self-check] [--backend B] [--json | --events]

Writes an adapter to a new folder PATH, alone or folded into its base model:
  adapter the PEFT folder alone: adapter_config.json, adapter_model.safetensors and a README
          (--model is optional here; the copy is compared byte for byte with the source)
  merged  a Hugging Face folder (config.json, model.safetensors or 5 GB shards with
          model.safetensors.index.json, tokenizer and generation config) that transformers loads
  gguf    PATH/model-f16.gguf or PATH/model-q8_0.gguf (GGUF v3 for llama.cpp) and PATH/Modelfile
          for Ollama (\`ollama create NAME -f PATH/Modelfile\`), whose chat template is checked
          against the model's own before anything is written

Then a self-check runs the exported weights through the engine and compares greedy tokens with
base + adapter on a few chats; a difference beyond the export format's rounding fails the export.

Options:
  --model DIR          the base model the adapter was trained on (Hugging Face folder)
  --adapter DIR        a PEFT LoRA adapter folder
  --to adapter|merged|gguf  what to write
  --gguf-type T        f16 (default) or q8_0
  --out PATH           a new folder (an existing non-empty one is refused; never the data
                       folder, the store or a folder above them)
  --dtype D            merged only: auto (default, the base checkpoint's dtype, e.g. bf16),
                       f32 (no rounding of the merged weights), f16 or bf16
  --force              replace an existing --out folder that is a previous Tuneloom export
  --no-self-check      skip the self-check
  --backend B          auto|cpu|vulkan|cuda|metal: where the self-check computes (default cpu:
                       f32 arithmetic, so only the export's own rounding shows; the old names
                       webgpu|tensorflow|wasm map to vulkan|cpu|cpu)
  --db FILE            the store the export is recorded in (default $TUNELOOM_HOME/tuneloom.db)
  --json               print {"to","out","files","bytes","format","self_check","export_id"} at the end
                       (progress lines "writing: N%" and "self-check: ..." still go to stderr)
${eventsHelp(23, '{"type":"progress","stage":"write"|"check","done","total"} (every 10% of the write)')}
`;

function choice<T extends string>(raw: string | undefined, name: string, allowed: readonly T[], fallback?: T): T {
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    throw new UserError(`missing --${name}`, { hint: `pass --${name} ${allowed.join('|')}` });
  }
  if (!(allowed as readonly string[]).includes(raw)) throw new UserError(`--${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

function record(storePath: string, e: ExportRecord): number {
  const db = openStore(storePath);
  try {
    return recordExport(db, e).exportId;
  } finally {
    db.close();
  }
}

function exportAdapterCommand(
  ctx: CliContext,
  events: JobEventWriter | null,
  o: { adapter: string; out: string; model?: string; force: boolean; protect: string[]; storePath: string },
): void {
  if (str(ctx, 'dtype') !== undefined || str(ctx, 'gguf-type') !== undefined)
    throw new UserError('--dtype and --gguf-type do not apply to --to adapter', { hint: 'drop them: the adapter is copied as it is' });
  const r = exportAdapter(o);
  const modelPath = o.model ? resolve(o.model) : '';
  const exportId = record(o.storePath, {
    adapterPath: resolve(o.adapter),
    modelPath,
    kind: 'adapter',
    ggufType: null,
    outPath: r.dir,
    bytes: r.bytes,
    selfCheck: r.selfCheck,
  });
  if (flag(ctx, 'json') || events)
    writeJobResult(ctx, events, { to: 'adapter', out: r.dir, files: r.files, bytes: r.bytes, format: 'peft', self_check: r.selfCheck, export_id: exportId });
  else ctx.stdout.write(`wrote adapter export (${(r.bytes / 1e6).toFixed(1)} MB) to ${r.dir}\nself-check: ${r.selfCheck.summary}\n`);
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'Export an adapter, a merged model or GGUF.',
  help: HELP,
  options: {
    model: { type: 'string' },
    adapter: { type: 'string' },
    to: { type: 'string' },
    'gguf-type': { type: 'string' },
    out: { type: 'string' },
    dtype: { type: 'string' },
    force: { type: 'boolean' },
    'no-self-check': { type: 'boolean' },
    ...EVENTS_OPTION,
  },
  async run(ctx) {
    const model = str(ctx, 'model');
    const adapter = str(ctx, 'adapter');
    const out = str(ctx, 'out');
    const to = choice(str(ctx, 'to'), 'to', ['adapter', 'merged', 'gguf'] as const);
    for (const [name, v] of [
      ['model', model],
      ['adapter', adapter],
      ['out', out],
    ] as const) {
      if (!v && !(name === 'model' && to === 'adapter'))
        throw new UserError(`missing --${name}`, { hint: 'usage: tuneloom export --model DIR --adapter DIR --to adapter|merged|gguf --out PATH' });
    }
    const storePath = resolveStorePath(str(ctx, 'db'));
    const protect = protectedPaths(storePath);
    const events = jobEvents(ctx);
    if (to === 'adapter') return exportAdapterCommand(ctx, events, { adapter: adapter!, out: out!, model, force: flag(ctx, 'force'), protect, storePath });
    const ggufType = choice(str(ctx, 'gguf-type'), 'gguf-type', ['f16', 'q8_0'] as const, 'f16');
    const dtype = choice(str(ctx, 'dtype'), 'dtype', ['auto', 'f32', 'f16', 'bf16'] as const, 'auto');
    if (to === 'gguf' && str(ctx, 'dtype') !== undefined) throw new UserError('--dtype applies to --to merged; use --gguf-type for GGUF');
    if (to === 'merged' && str(ctx, 'gguf-type') !== undefined) throw new UserError('--gguf-type applies to --to gguf; use --dtype for a merged export');
    const json = flag(ctx, 'json') || events !== null;
    const notice = (line: string) => (events ? events.log(line) : ctx.stderr.write(`${line}\n`));
    const backend = parseBackendChoice(str(ctx, 'backend') ?? 'cpu', notice);
    let lastPct = -1;
    const req: ExportRequest = {
      model: model!,
      adapter: adapter!,
      out: out!,
      to,
      ggufType,
      dtype,
      force: flag(ctx, 'force'),
      protect,
      selfCheck: !flag(ctx, 'no-self-check'),
      backend,
      onBackend: (reason) => {
        if (events) events.log(`self-check backend ${reason}`);
        else if (!json) ctx.stderr.write(`self-check backend ${reason}\n`);
      },
      // Progress goes to stderr with or without --json; with --events it is progress events (the
      // app's export buttons read them), at the same pace: every 10% of the write, then the check.
      onProgress: (stage, done, total) => {
        if (stage === 'check') {
          if (events) events.progress('check', done, total);
          else ctx.stderr.write('self-check: comparing greedy tokens with base + adapter...\n');
          return;
        }
        const pct = Math.floor((100 * done) / total);
        if (pct !== lastPct && pct % 10 === 0) {
          if (events) events.progress('write', done, total);
          else ctx.stderr.write(`writing: ${pct}%\n`);
        }
        lastPct = pct;
      },
    };
    const report = await runExport(req);
    const exportId = record(storePath, {
      adapterPath: resolve(adapter!),
      modelPath: resolve(model!),
      kind: to,
      ggufType: to === 'gguf' ? ggufType : null,
      outPath: report.out,
      bytes: report.bytes,
      selfCheck: report.self_check,
    });
    if (json) writeJobResult(ctx, events, { ...report, export_id: exportId });
    else {
      ctx.stdout.write(`wrote ${report.to} export (${report.format}, ${(report.bytes / 1e6).toFixed(1)} MB) to ${report.out}\n`);
      const sc = report.self_check;
      ctx.stdout.write(`self-check: ${'skipped' in sc && sc.skipped ? `skipped (${sc.skipped})` : (sc as { summary: string }).summary}\n`);
    }
  },
};

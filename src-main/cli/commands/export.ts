/**
 * `tuneloom export --model DIR --adapter DIR --to merged|gguf [--gguf-type f16|q8_0] --out PATH`
 * (../shared/docs/CLI.md), plus --dtype, --force, --no-self-check and --json.
 */
import { UserError } from '../../errors';
import { selectBackend } from '../../engine/backends/select-backend';
import { webgpuPassOverReason } from '../../engine-node/webgpu-adapter-check';
import { runExport, type ExportRequest } from '../../export/run-export';
import { flag, str, writeJson, type CliCommand } from '../command';
import { resolve } from 'node:path';
import { openStore } from '../../store/db';
import { resolveStorePath } from '../../store/paths';
import { recordExport } from '../../store/queries/eval-runs';

const HELP = `Usage: tuneloom export --model DIR --adapter DIR --to merged|gguf [--gguf-type f16|q8_0] --out PATH
                       [--dtype auto|f32|f16|bf16] [--force] [--no-self-check] [--backend B] [--json]

Folds a LoRA adapter into its base model and writes the result to a new folder PATH:
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
  --to merged|gguf     what to write
  --gguf-type T        f16 (default) or q8_0
  --out PATH           a new folder (an existing non-empty one is refused)
  --dtype D            merged only: auto (default, the base checkpoint's dtype, e.g. bf16),
                       f32 (no rounding of the merged weights), f16 or bf16
  --force              replace an existing --out folder
  --no-self-check      skip the self-check
  --backend B          auto|webgpu|tensorflow|wasm|cpu for the self-check (default auto)
  --db FILE            the store the export is recorded in (default $TUNELOOM_HOME/tuneloom.db)
  --json               print {"to","out","files","bytes","format","self_check","export_id"} at the end
                       (progress lines "writing: N%" and "self-check: ..." still go to stderr)
`;

function choice<T extends string>(raw: string | undefined, name: string, allowed: readonly T[], fallback?: T): T {
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    throw new UserError(`missing --${name}`, { hint: `pass --${name} ${allowed.join('|')}` });
  }
  if (!(allowed as readonly string[]).includes(raw)) throw new UserError(`--${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'Export a merged model or GGUF.',
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
  },
  async run(ctx) {
    const model = str(ctx, 'model');
    const adapter = str(ctx, 'adapter');
    const out = str(ctx, 'out');
    for (const [name, v] of [['model', model], ['adapter', adapter], ['out', out]] as const) {
      if (!v) throw new UserError(`missing --${name}`, { hint: 'usage: tuneloom export --model DIR --adapter DIR --to merged|gguf --out PATH' });
    }
    const to = choice(str(ctx, 'to'), 'to', ['merged', 'gguf'] as const);
    const ggufType = choice(str(ctx, 'gguf-type'), 'gguf-type', ['f16', 'q8_0'] as const, 'f16');
    const dtype = choice(str(ctx, 'dtype'), 'dtype', ['auto', 'f32', 'f16', 'bf16'] as const, 'auto');
    if (to === 'gguf' && str(ctx, 'dtype') !== undefined) throw new UserError('--dtype applies to --to merged; use --gguf-type for GGUF');
    if (to === 'merged' && str(ctx, 'gguf-type') !== undefined) throw new UserError('--gguf-type applies to --to gguf; use --dtype for a merged export');
    const json = flag(ctx, 'json');
    const backend = await selectBackend(str(ctx, 'backend') ?? 'auto', { webgpuPassOver: webgpuPassOverReason });
    if (!json) ctx.stderr.write(`backend: ${backend.backend}\n`);
    let lastPct = -1;
    const req: ExportRequest = {
      model: model!,
      adapter: adapter!,
      out: out!,
      to,
      ggufType,
      dtype,
      force: flag(ctx, 'force'),
      selfCheck: !flag(ctx, 'no-self-check'),
      // Progress goes to stderr with or without --json (the app's export buttons read these lines).
      onProgress: (stage, done, total) => {
        if (stage === 'check') return void ctx.stderr.write('self-check: comparing greedy tokens with base + adapter...\n');
        const pct = Math.floor((100 * done) / total);
        if (pct !== lastPct && pct % 10 === 0) ctx.stderr.write(`writing: ${pct}%\n`);
        lastPct = pct;
      },
    };
    const report = await runExport(req);
    const db = openStore(resolveStorePath(str(ctx, 'db')));
    let exportId: number;
    try {
      exportId = recordExport(db, {
        adapterPath: resolve(adapter!),
        modelPath: resolve(model!),
        kind: to,
        ggufType: to === 'gguf' ? ggufType : null,
        outPath: report.out,
        bytes: report.bytes,
        selfCheck: report.self_check,
      }).exportId;
    } finally {
      db.close();
    }
    if (json) writeJson(ctx, { ...report, export_id: exportId });
    else {
      ctx.stdout.write(`wrote ${report.to} export (${report.format}, ${(report.bytes / 1e6).toFixed(1)} MB) to ${report.out}\n`);
      const sc = report.self_check;
      ctx.stdout.write(`self-check: ${'skipped' in sc && sc.skipped ? `skipped (${sc.skipped})` : (sc as { summary: string }).summary}\n`);
    }
  },
};

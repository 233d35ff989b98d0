/**
 * `tuneloom models list | add DIR | download REPO`: the model registry from the command line
 * (an extension of CLI.md; same services as the app's Models page).
 */
import { isLiveTerminal } from '../progress';
import { resolve } from 'node:path';
import type { ModelRecord } from '../../../src-shared/dto/library';
import { readAppSettings } from '../../app-settings';
import { UserError } from '../../errors';
import { defaultDownloadDir, downloadModel, resolveEndpoint, type DownloadEvent } from '../../models/download/download-model';
import type { HubKind } from '../../models/download/hub';
import { registerModel } from '../../models/register-model';
import { openStore, type Db } from '../../store/db';
import { resolveStorePath, tuneloomHome } from '../../store/paths';
import { listModels } from '../../store/queries/library';
import { flag, str, writeJson, type CliCommand, type CliContext } from '../command';

function withStore<T>(ctx: CliContext, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = openStore(resolveStorePath(str(ctx, 'db')));
  return fn(db).finally(() => db.close());
}

export function formatParams(n: number | null): string {
  if (n === null) return '?';
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

function describe(m: ModelRecord): string {
  const tags = [m.family, formatParams(m.params), m.dtype ?? '?', m.hasChatTemplate ? 'chat template' : 'no chat template', m.source];
  return `${m.name}${m.isDemo ? ' [demo]' : ''}  (${tags.join(', ')})  ${m.path}`;
}

const listCommand: CliCommand = {
  name: 'models list',
  summary: 'List the models in the store.',
  help: `Usage: tuneloom models list [--db FILE] [--json]

List the registered models: id, name, family, parameters, dtype, chat template, source, folder.
  --json   {"models":[{id, path, name, family, params, dtype, hasChatTemplate, configHash, source, repoId, isDemo, createdAt}]}
`,
  options: {},
  async run(ctx) {
    await withStore(ctx, async (db) => {
      const models = listModels(db);
      if (flag(ctx, 'json')) return writeJson(ctx, { models });
      if (!models.length) ctx.stdout.write('No models yet: add a folder with `tuneloom models add DIR` or `tuneloom models download REPO`.\n');
      for (const m of models) ctx.stdout.write(`${String(m.id).padStart(3)}  ${describe(m)}\n`);
    });
  },
};

const addCommand: CliCommand = {
  name: 'models add',
  summary: 'Register a local Hugging Face model folder.',
  help: `Usage: tuneloom models add DIR [--name NAME] [--db FILE] [--json]

Checks the folder (config.json of a qwen2, qwen3 or llama model, safetensors weights or a sharded
index, tokenizer.json, tokenizer_config.json) and registers it; adding it again refreshes its row.
  --name NAME   display name (default: the folder name)
  --json        the registered model as one JSON object
`,
  options: { name: { type: 'string' } },
  allowPositionals: true,
  async run(ctx) {
    if (ctx.positionals.length !== 1) throw new UserError('give exactly one model folder', { hint: 'usage: tuneloom models add DIR' });
    await withStore(ctx, async (db) => {
      const m = await registerModel(db, resolve(ctx.positionals[0]), { name: str(ctx, 'name') });
      if (flag(ctx, 'json')) return writeJson(ctx, m);
      ctx.stdout.write(`Registered model #${m.id}: ${describe(m)}\n`);
    });
  },
};

const HUBS: readonly HubKind[] = ['huggingface', 'modelscope'];

const downloadCommand: CliCommand = {
  name: 'models download',
  summary: 'Download a model from Hugging Face or ModelScope (resumable) and register it.',
  help: `Usage: tuneloom models download REPO [--hub huggingface|modelscope] [--endpoint URL] [--revision REV]
                                [--out DIR] [--include PATTERNS] [--trust-endpoint] [--db FILE] [--json]

Downloads config, tokenizer files, chat template and safetensors weights of REPO (owner/name), verifies
sha256 where the hub publishes it, and registers the folder. Interrupted? Run the same command again:
finished files are kept and a partial file (.part) resumes where it stopped. Ctrl-C keeps it too.
  --hub         huggingface (default) or modelscope
  --endpoint    base URL of the hub or a mirror of it, e.g. https://hf-mirror.com; default: the app's
                mirror setting (Hugging Face only), else $HF_ENDPOINT / $MODELSCOPE_ENDPOINT, else the hub
  --revision    branch, tag or commit (default: main on Hugging Face, master on ModelScope)
  --out         folder to write (default: $TUNELOOM_HOME/models/<owner>/<name>)
  --include     comma-separated file patterns replacing the default selection, e.g. "*.json,*.safetensors"
  --json        JSON lines: {"type":"listed"|"progress"|"skipped"|"retry",...} then {"type":"done","dir":...,"model":{...}}
  --trust-endpoint  send HF_TOKEN to this --endpoint too (a mirror you trust; it must be https)
Gated or private Hugging Face repos: set HF_TOKEN to an access token. It is sent only over https, to
huggingface.co or to an endpoint marked trusted (--trust-endpoint, or $TUNELOOM_TRUSTED_ENDPOINTS with
comma-separated base URLs); otherwise it is withheld and a line says so.
`,
  options: {
    hub: { type: 'string', default: 'huggingface' },
    endpoint: { type: 'string' },
    revision: { type: 'string' },
    out: { type: 'string' },
    include: { type: 'string' },
    'trust-endpoint': { type: 'boolean' },
  },
  allowPositionals: true,
  async run(ctx) {
    if (ctx.positionals.length !== 1) throw new UserError('give exactly one repo id', { hint: 'usage: tuneloom models download owner/name' });
    const repoId = ctx.positionals[0];
    const hub = str(ctx, 'hub') as HubKind;
    if (!HUBS.includes(hub)) throw new UserError(`--hub must be huggingface or modelscope, got "${hub}"`, { where: '--hub' });
    const json = flag(ctx, 'json');
    await withStore(ctx, async (db) => {
      const mirror = hub === 'huggingface' ? readAppSettings(db).mirrorEndpoint : '';
      const endpoint = resolveEndpoint(hub, str(ctx, 'endpoint') || mirror || undefined);
      const outDir = resolve(str(ctx, 'out') ?? defaultDownloadDir(tuneloomHome(), repoId));
      const include = str(ctx, 'include')
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const ac = new AbortController();
      const onSigint = (): void => ac.abort();
      process.once('SIGINT', onSigint);
      const tty = isLiveTerminal(ctx.stderr);
      const onEvent = (e: DownloadEvent): void => {
        if (json) return writeJson(ctx, e);
        if (e.type === 'listed') ctx.stderr.write(`${repoId}: ${e.files.length} files, ${formatBytes(e.totalBytes)} from ${endpoint}\n`);
        else if (e.type === 'skipped') ctx.stderr.write(`  ${e.path}: already here\n`);
        else if (e.type === 'retry') ctx.stderr.write(`${tty ? '\n' : ''}  ${e.path}: transfer interrupted, resuming where it stopped (retry ${e.attempt})\n`);
        else if (e.type === 'progress' && (tty || e.done)) {
          const pct = e.total ? ` ${((100 * e.bytes) / e.total).toFixed(0).padStart(3)}%` : '';
          const line = `  [${e.index + 1}/${e.count}] ${e.path}${pct} ${formatBytes(e.bytes)}${e.total ? ` of ${formatBytes(e.total)}` : ''}${e.done ? '' : `, ${formatBytes(e.rate)}/s`}`;
          ctx.stderr.write(tty ? `\r\x1b[K${line}${e.done ? '\n' : ''}` : `${line}\n`);
        }
      };
      try {
        const trustedEndpoints = flag(ctx, 'trust-endpoint') ? [endpoint] : [];
        const onNotice = (line: string): void => void ctx.stderr.write(`${line}\n`);
        const r = await downloadModel({
          hub,
          repoId,
          endpoint,
          outDir,
          revision: str(ctx, 'revision'),
          include,
          trustedEndpoints,
          onNotice,
          signal: ac.signal,
          onEvent,
          progressIntervalMs: json ? 500 : 200,
        });
        // A custom --include may leave out what a model folder needs: register only what inspects cleanly.
        const model = include
          ? await registerModel(db, r.dir, { source: hub, repoId }).catch(() => null)
          : await registerModel(db, r.dir, { source: hub, repoId });
        if (json) return writeJson(ctx, { type: 'done', dir: r.dir, files: r.files, model });
        ctx.stdout.write(model ? `Downloaded ${repoId} to ${r.dir} and registered it as model #${model.id}.\n` : `Downloaded ${repoId} to ${r.dir}.\n`);
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
  },
};

export const modelsCommands: CliCommand[] = [listCommand, addCommand, downloadCommand];

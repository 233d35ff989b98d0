/**
 * The PEFT adapter export (`tuneloom export --to adapter`, and the run dashboard's adapter button):
 * the adapter's two files, `adapter_config.json` and `adapter_model.safetensors`, and a README
 * (the adapter's own if it has one, else a short model card) in a new folder. Only those files: a
 * run's folder also holds checkpoints and earlier exports, which are not the adapter. The copy goes
 * through stageOutput (staging folder, marker, swap), and each file is compared byte for byte.
 */
import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors';
import { diskFullError, stageOutput } from './output-folder';

export const ADAPTER_EXPORT_FILES = ['adapter_config.json', 'adapter_model.safetensors'] as const;

export interface AdapterExportOptions {
  adapter: string;
  out: string;
  force?: boolean;
  protect?: string[];
  /** The base model, for the README (default: the adapter config's base_model_name_or_path). */
  model?: string;
}

export interface AdapterExportResult {
  dir: string;
  files: string[];
  bytes: number;
  selfCheck: { ok: boolean; summary: string };
}

function baseModelOf(adapterDir: string): string | null {
  try {
    const v = (JSON.parse(readFileSync(join(adapterDir, 'adapter_config.json'), 'utf8')) as { base_model_name_or_path?: unknown }).base_model_name_or_path;
    return typeof v === 'string' ? v : null;
  } catch {
    return null;
  }
}

function modelCard(base: string | null): string {
  const b = base ?? 'BASE_MODEL';
  return [
    '# PEFT adapter (exported by Tuneloom)',
    '',
    `Base model: \`${b}\``,
    '',
    '```python',
    'from transformers import AutoModelForCausalLM',
    'from peft import PeftModel',
    `base = AutoModelForCausalLM.from_pretrained(${JSON.stringify(b)})`,
    'model = PeftModel.from_pretrained(base, "path/to/this/folder")',
    '```',
    '',
  ].join('\n');
}

/** Flushes a file to the disk, so "export done" is never said of bytes still in the page cache. */
function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function exportAdapter(opts: AdapterExportOptions): AdapterExportResult {
  const src = resolve(opts.adapter);
  for (const f of ADAPTER_EXPORT_FILES) {
    if (!existsSync(join(src, f)))
      throw new UserError(`the adapter folder has no ${f}`, {
        where: src,
        hint: 'pass a PEFT adapter folder (adapter_config.json + adapter_model.safetensors)',
      });
  }
  const names: string[] = [...ADAPTER_EXPORT_FILES, 'README.md'];
  const neededBytes = ADAPTER_EXPORT_FILES.reduce((n, f) => n + statSync(join(src, f)).size, 0) + 64 * 1024;
  const staged = stageOutput(opts.out, { force: opts.force ?? false, protect: opts.protect, kind: 'adapter', neededBytes });
  let current = staged.stagingDir;
  try {
    for (const f of ADAPTER_EXPORT_FILES) {
      current = join(staged.stagingDir, f);
      copyFileSync(join(src, f), current);
      fsyncFile(current);
    }
    current = join(staged.stagingDir, 'README.md');
    if (existsSync(join(src, 'README.md'))) copyFileSync(join(src, 'README.md'), current);
    else writeFileSync(current, modelCard(opts.model ? resolve(opts.model) : baseModelOf(src)));
    fsyncFile(current);
    const differing = ADAPTER_EXPORT_FILES.filter((f) => !readFileSync(join(staged.stagingDir, f)).equals(readFileSync(join(src, f))));
    if (differing.length)
      throw new UserError(`the copied adapter differs from the source: ${differing.join(', ')}`, {
        where: staged.finalDir,
        hint: 'check the disk and export again',
      });
    staged.commit();
  } catch (err) {
    staged.abort();
    if (err instanceof UserError) throw err;
    const mapped = diskFullError(err, current.replace(staged.stagingDir, staged.finalDir), neededBytes);
    if (mapped !== err) throw mapped;
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new UserError(`cannot write the adapter export (${code})`, { where: staged.finalDir, hint: 'choose a folder you can write to' });
  }
  const files = names.map((f) => join(staged.finalDir, f));
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  return {
    dir: staged.finalDir,
    files,
    bytes,
    selfCheck: { ok: true, summary: `${ADAPTER_EXPORT_FILES.length} adapter files and a README written; every byte matches the run's adapter` },
  };
}

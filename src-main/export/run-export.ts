/**
 * The export service the CLI (and the app's export buttons) call: write the artifact, then run the
 * self-check on it (the exported weights through the engine against base + adapter, greedy, on
 * probe chats rendered with the model's template). The self-check result travels with the result;
 * a failed check is a UserError, since the artifact must not be used.
 */
import { totalmem } from 'node:os';
import { resolve } from 'node:path';
import { UserError } from '../errors';
import { disposeLoraSet } from '../engine/adapters/peft-lora';
import type { CausalLM } from '../engine/models/causal-lm';
import { loadAdapterFromDir, loadModelFromDir, loadTokenizer } from '../engine-node/load-model';
import { exportGguf } from './gguf-export';
import { loadGgufIntoEngine } from './gguf-to-engine';
import type { GgufOutType } from './gguf-tensors';
import { exportMerged, type ExportDtype } from './merged-export';
import { PROBE_CHATS } from './ollama-modelfile';
import { greedySelfCheck, type ExportFormat, type SelfCheckResult } from './self-check';

export interface ExportRequest {
  model: string;
  adapter: string;
  out: string;
  to: 'merged' | 'gguf';
  ggufType?: GgufOutType;
  dtype?: ExportDtype;
  force?: boolean;
  /** Paths the export may not replace (default: the data folder and its store). */
  protect?: string[];
  selfCheck?: boolean;
  /** Greedy tokens compared per probe chat. */
  checkTokens?: number;
  onProgress?: (stage: 'write' | 'check', done: number, total: number) => void;
}

export interface ExportReport {
  to: 'merged' | 'gguf';
  out: string;
  files: string[];
  bytes: number;
  format: ExportFormat | 'mixed';
  self_check: (SelfCheckResult & { skipped?: undefined }) | { skipped: string; ok: true };
}

function formatOf(dtypes: string[]): ExportFormat | 'mixed' {
  return dtypes.length === 1 ? (dtypes[0] as ExportFormat) : 'mixed';
}

export async function runExport(req: ExportRequest): Promise<ExportReport> {
  const onWrite = (done: number, total: number) => req.onProgress?.('write', done, total);
  let report: ExportReport;
  let loadExported: () => Promise<CausalLM>;
  let params = 0;
  if (req.to === 'merged') {
    const r = await exportMerged({ model: req.model, adapter: req.adapter, out: req.out, dtype: req.dtype, force: req.force, protect: req.protect, onProgress: onWrite });
    report = { to: 'merged', out: r.dir, files: r.files, bytes: r.totalBytes, format: formatOf(r.dtypes), self_check: { skipped: 'not run', ok: true } };
    loadExported = () => loadModelFromDir(r.dir);
    params = r.totalBytes / (r.dtypes.includes('F32') ? 4 : 2);
  } else {
    const type = req.ggufType ?? 'f16';
    const r = await exportGguf({ model: req.model, adapter: req.adapter, out: req.out, type, force: req.force, protect: req.protect, onProgress: onWrite });
    report = { to: 'gguf', out: r.dir, files: [r.ggufFile, r.modelfile], bytes: r.bytes, format: type === 'q8_0' ? 'Q8_0' : 'F16', self_check: { skipped: 'not run', ok: true } };
    loadExported = () => loadGgufIntoEngine(r.ggufFile, r.config);
    params = r.bytes / (type === 'q8_0' ? 34 / 32 : 2);
  }
  if (req.selfCheck === false) {
    report.self_check = { skipped: 'turned off with --no-self-check', ok: true };
    return report;
  }
  // Base, adapter and the exported copy all live in memory as float32 during the check.
  const need = 2 * 4 * params;
  if (need > 0.6 * totalmem()) {
    report.self_check = { skipped: `needs about ${(need / 1e9).toFixed(0)} GB of memory for two float32 copies of the model`, ok: true };
    return report;
  }
  const tok = loadTokenizer(req.model);
  const prompts = PROBE_CHATS.map((chat) => tok.encodeChat(chat, { addGenerationPrompt: true }).ids);
  const base = await loadModelFromDir(req.model);
  try {
    const adapter = await loadAdapterFromDir(req.adapter, base.config);
    try {
      const exported = await loadExported();
      try {
        req.onProgress?.('check', 0, prompts.length);
        const format = report.format === 'mixed' ? 'BF16' : report.format;
        report.self_check = greedySelfCheck({ base, adapter, exported, prompts, tokens: req.checkTokens ?? 8, format });
      } finally {
        exported.dispose();
      }
    } finally {
      disposeLoraSet(adapter);
    }
  } finally {
    base.dispose();
  }
  if (!report.self_check.ok) {
    throw new UserError(`export self-check failed: ${(report.self_check as SelfCheckResult).summary}`, {
      where: resolve(report.out),
      hint: 'do not use this export; please report it with the model and adapter',
    });
  }
  return report;
}

/**
 * The export service the CLI (and the app's export buttons) call: write the artifact, then run the
 * self-check on it (the exported weights through the ggml engine against base + adapter, greedy, on
 * probe chats rendered with the model's template; every model held as f32). The self-check result
 * travels with the result; a failed check is a UserError, since the artifact must not be used.
 */
import { totalmem } from 'node:os';
import { resolve } from 'node:path';
import { UserError } from '../errors';
import type { GgmlBackendChoice } from '../engine/ggml/backend';
import { GgmlCausalLM, GgmlLora } from '../engine/ggml/causal-lm';
import type { GgmlModelWeights } from '../engine/ggml/model-weights';
import type { ComputeBackend } from '../engine/ggml/backend';
import { loadGgmlWeightsFromDir } from '../engine-node/ggml-load';
import { openBackend } from '../engine-node/ggml-runtime';
import { loadTokenizer, readLoraAdapterHost, readModelConfig } from '../engine-node/load-model';
import { exportGguf } from './gguf-export';
import { loadGgufIntoGgml } from './gguf-to-engine';
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
  /** Where the self-check computes (default cpu: f32 arithmetic, so only the export's own rounding shows). */
  backend?: GgmlBackendChoice;
  /** Told the backend the self-check runs on, with why (one line). */
  onBackend?: (reason: string) => void;
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
  let loadExported: (backend: ComputeBackend) => Promise<GgmlModelWeights>;
  let params: number;
  if (req.to === 'merged') {
    const r = await exportMerged({
      model: req.model,
      adapter: req.adapter,
      out: req.out,
      dtype: req.dtype,
      force: req.force,
      protect: req.protect,
      onProgress: onWrite,
    });
    report = { to: 'merged', out: r.dir, files: r.files, bytes: r.totalBytes, format: formatOf(r.dtypes), self_check: { skipped: 'not run', ok: true } };
    loadExported = (backend) => loadGgmlWeightsFromDir(r.dir, backend, { weights: 'f32' });
    params = r.totalBytes / (r.dtypes.includes('F32') ? 4 : 2);
  } else {
    const type = req.ggufType ?? 'f16';
    const r = await exportGguf({ model: req.model, adapter: req.adapter, out: req.out, type, force: req.force, protect: req.protect, onProgress: onWrite });
    report = {
      to: 'gguf',
      out: r.dir,
      files: [r.ggufFile, r.modelfile],
      bytes: r.bytes,
      format: type === 'q8_0' ? 'Q8_0' : 'F16',
      self_check: { skipped: 'not run', ok: true },
    };
    loadExported = (backend) => loadGgufIntoGgml(r.ggufFile, r.config, backend);
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
  const config = readModelConfig(req.model);
  const hostLora = await readLoraAdapterHost(req.adapter, config);
  const { backend, reason } = openBackend(req.backend ?? 'cpu');
  req.onBackend?.(reason);
  const owned: { dispose(): void }[] = [backend];
  try {
    const baseWeights = await loadGgmlWeightsFromDir(req.model, backend, { weights: 'f32', config });
    owned.push(baseWeights);
    const lora = new GgmlLora(backend, hostLora);
    owned.push(lora);
    const reference = new GgmlCausalLM(baseWeights, backend, { lora });
    owned.push(reference);
    const exportedWeights = await loadExported(backend);
    owned.push(exportedWeights);
    const exported = new GgmlCausalLM(exportedWeights, backend);
    owned.push(exported);
    req.onProgress?.('check', 0, prompts.length);
    const format = report.format === 'mixed' ? 'BF16' : report.format;
    report.self_check = await greedySelfCheck({ reference, exported, prompts, tokens: req.checkTokens ?? 8, format });
  } finally {
    // Models before their weights, weights before the backend.
    for (const o of owned.reverse()) o.dispose();
  }
  if (!report.self_check.ok) {
    throw new UserError(`export self-check failed: ${(report.self_check as SelfCheckResult).summary}`, {
      where: resolve(report.out),
      hint: 'do not use this export; please report it with the model and adapter',
    });
  }
  return report;
}

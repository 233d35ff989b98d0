/**
 * The work of `datasets.inspect` and `datasets.import`, as run inside the dataset-check child process
 * (dataset-check-entry.ts): the importer over the whole file and, with a model, its tokenizer and chat
 * template over every example. A hostile or huge file or template can cost all the CPU or memory this
 * process has; only this process pays for it, never the app's main process or `tuneloom serve`.
 */
import { mappingToRecord } from '../../../src-shared/column-mapping';
import type { DatasetPreview } from '../../../src-shared/dto/dataset-preview';
import type { DatasetInspectRequest } from '../../../src-shared/ipc-contract';
import { UserError } from '../../errors';
import { templateView, type TemplateView } from './template-preview';
import { toFieldMap } from '../formats/mapped-format';
import { importDataset, type ImportOptions, type ImportProgress, type ImportResult } from '../import-dataset';

/** One job: the request as the renderer sent it, and the model the main process found for its modelId. */
export interface DatasetCheckJob {
  kind: 'inspect' | 'import';
  request: DatasetInspectRequest;
  /** The registered model's folder and name; null without a modelId or when it is not registered. */
  model: { path: string; name: string } | null;
  /** Why the modelId gave no model (it is not registered), shown beside a character preview. */
  modelError?: string;
}

export type DatasetCheckOutput = { kind: 'inspect'; preview: DatasetPreview } | { kind: 'import'; result: ImportResult };

const TOKENIZED_CHUNK_BYTES = 64 << 10;

function importOptions(req: DatasetInspectRequest, view: TemplateView | undefined): ImportOptions {
  return {
    // A mapping is the csv format (any CSV/JSON with the user's column roles).
    format: req.map?.length ? 'csv' : (req.format ?? 'auto'),
    ...(req.map?.length ? { map: toFieldMap(mappingToRecord(req.map)) } : {}),
    encoding: req.encoding ?? 'auto',
    ...(req.valSplit !== undefined ? { valSplit: req.valSplit } : {}),
    ...(req.maxLen !== undefined ? { maxLen: req.maxLen, overLong: 'keep' as const } : {}),
    // Small reads keep progress fine-grained while every example is tokenized.
    ...(view ? { lengthOf: view.lengthOf, chunkBytes: TOKENIZED_CHUNK_BYTES, sampleBytes: TOKENIZED_CHUNK_BYTES } : {}),
    sampleSize: 3,
    maxSkipsListed: 50,
  };
}

export function toPreview(r: ImportResult, model?: { view: TemplateView; name: string } | null): DatasetPreview {
  const s = r.stats;
  return {
    name: r.name,
    input: r.input,
    format: r.format,
    encoding: r.encoding,
    confidence: r.confidence,
    examples: r.examples,
    skippedTotal: r.skippedTotal,
    skipped: r.skipped.map((k) => ({ line: k.line, reason: k.reason, ...(k.file ? { file: k.file } : {}) })),
    ...(r.coercedTotal
      ? { coercedTotal: r.coercedTotal, coerced: r.coerced.map((k) => ({ line: k.line, reason: k.reason, ...(k.file ? { file: k.file } : {}) })) }
      : {}),
    fields: r.fields,
    sample: r.sample.map((e) => ('messages' in e ? { messages: e.messages.map((m) => ({ role: m.role, content: m.content })) } : { text: e.text })),
    stats: {
      unit: s.unit,
      histogram: s.histogram,
      p50: s.p50,
      p95: s.p95,
      maxLength: s.maxLength,
      meanLength: s.meanLength,
      maxLen: s.maxLen,
      overMaxLen: s.overMaxLen,
    },
    split: r.split ? { train: r.split.train, val: r.split.val } : null,
    ...(model ? { tokenizer: model.name, rendered: r.sample.map((e) => model.view.render(e)) } : {}),
  };
}

/**
 * The model's view, or why it cannot render: a moved or broken model folder must not hide the dataset's
 * own preview, so the wizard falls back to characters and says what is wrong with the model.
 */
function tryView(job: DatasetCheckJob): { model: { view: TemplateView; name: string } | null; error?: string } {
  if (!job.model) return { model: null, ...(job.modelError ? { error: job.modelError } : {}) };
  try {
    const view = templateView(job.model.path);
    view.render({
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
      ],
    }); // a template that cannot render fails here, not mid-file
    return { model: { view, name: job.model.name } };
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return { model: null, error: err.message };
  }
}

export async function runDatasetCheck(job: DatasetCheckJob, onProgress?: (p: ImportProgress) => void): Promise<DatasetCheckOutput> {
  const { model, error } = tryView(job);
  const result = await importDataset(job.request.path, importOptions(job.request, model?.view), onProgress);
  if (job.kind === 'import') return { kind: 'import', result };
  const preview = toPreview(result, model);
  return { kind: 'inspect', preview: error ? { ...preview, tokenizerError: error } : preview };
}

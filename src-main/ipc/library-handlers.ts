/**
 * models.* and datasets.* channels: the registry of local models, and dataset inspection (a dry run of
 * the importer: format, encoding, skipped lines, preview, length histogram) and import.
 */
import type { DatasetPreview } from '../../src-shared/dto/dataset-preview';
import type { DatasetInspectRequest } from '../../src-shared/ipc-contract';
import { importDataset, type ImportOptions, type ImportResult } from '../data/import-dataset';
import { registerImport } from '../data/register';
import { registerModel } from '../models/register-model';
import { listDatasets, listModels } from '../store/queries/library';
import type { HandlerContext } from './context';
import type { HandlerTable } from './router';

function importOptions(req: DatasetInspectRequest): ImportOptions {
  return {
    format: req.format ?? 'auto',
    encoding: req.encoding ?? 'auto',
    ...(req.valSplit !== undefined ? { valSplit: req.valSplit } : {}),
    ...(req.maxLen !== undefined ? { maxLen: req.maxLen } : {}),
    sampleSize: 3,
    maxSkipsListed: 50,
  };
}

export function toPreview(r: ImportResult): DatasetPreview {
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
    fields: r.fields,
    sample: r.sample.map((e) => ('messages' in e ? { messages: e.messages.map((m) => ({ role: m.role, content: m.content })) } : { text: e.text })),
    stats: { unit: s.unit, histogram: s.histogram, p50: s.p50, p95: s.p95, maxLength: s.maxLength, meanLength: s.meanLength, maxLen: s.maxLen, overMaxLen: s.overMaxLen },
    split: r.split ? { train: r.split.train, val: r.split.val } : null,
  };
}

type LibraryChannels = 'models.list' | 'models.register' | 'datasets.list' | 'datasets.inspect' | 'datasets.import';

export function libraryHandlers(ctx: HandlerContext): Pick<HandlerTable, LibraryChannels> {
  return {
    'models.list': () => listModels(ctx.db),
    'models.register': async ({ path }) => {
      const model = await registerModel(ctx.db, path);
      ctx.publish?.({ type: 'library.changed', what: 'models' });
      return model;
    },
    'datasets.list': () => listDatasets(ctx.db),
    'datasets.inspect': async (req) => toPreview(await importDataset(req.path, importOptions(req))),
    'datasets.import': async (req) => {
      const result = await importDataset(req.path, importOptions(req));
      const id = registerImport(ctx.db, result, req.name ?? result.name);
      ctx.publish?.({ type: 'library.changed', what: 'datasets' });
      return { id };
    },
  };
}

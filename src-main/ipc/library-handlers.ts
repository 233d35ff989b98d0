/**
 * models.* and datasets.* channels: the registry of local models, and dataset inspection (a dry run of
 * the importer: format, encoding, skipped lines, preview, length histogram) and import. With a model
 * chosen, lengths are in its tokens with the chat template included and the preview is rendered through
 * the template (template-preview.ts); examples over the max length are counted, not dropped, since
 * training truncates them.
 */
import { mappingToRecord } from '../../src-shared/column-mapping';
import { toFieldMap } from '../data/formats/mapped-format';
import { peekColumns } from '../data/peek-columns';
import type { DatasetPreview } from '../../src-shared/dto/dataset-preview';
import type { DatasetInspectRequest } from '../../src-shared/ipc-contract';
import { importDataset, type ImportOptions, type ImportResult } from '../data/import-dataset';
import { registerImport } from '../data/register';
import { registerModel } from '../models/register-model';
import { UserError } from '../errors';
import { deleteDataset, getDataset, getModel, listDatasets, listModels } from '../store/queries/library';
import type { Db } from '../store/db';
import type { HandlerContext } from './context';
import type { HandlerTable } from './router';
import { InspectJobs } from './inspect-jobs';
import { templateView, type TemplateView } from './template-preview';

/** The chosen model's tokenizer view, or none without a modelId. */
function viewOf(db: Db, modelId: number | undefined): { view: TemplateView; name: string } | null {
  if (modelId === undefined) return null;
  const model = getModel(db, modelId);
  if (!model) throw new UserError(`model ${modelId} is not registered`, { where: 'modelId', hint: 'pick a model from the list, or add its folder first' });
  const view = templateView(model.path);
  view.render({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] }); // a template that cannot render fails here, not mid-file
  return { view, name: model.name };
}

/**
 * The view, or why the model cannot render: a moved or broken model folder must not hide the dataset's
 * own preview, so the wizard falls back to characters and says what is wrong with the model.
 */
function tryViewOf(db: Db, modelId: number | undefined): { model: { view: TemplateView; name: string } | null; error?: string } {
  try {
    return { model: viewOf(db, modelId) };
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return { model: null, error: err.message };
  }
}

const TOKENIZED_CHUNK_BYTES = 64 << 10;

function importOptions(req: DatasetInspectRequest, view: TemplateView | undefined): ImportOptions {
  return {
    // A mapping is the csv format (any CSV/JSON with the user's column roles).
    format: req.map?.length ? 'csv' : (req.format ?? 'auto'),
    ...(req.map?.length ? { map: toFieldMap(mappingToRecord(req.map)) } : {}),
    encoding: req.encoding ?? 'auto',
    ...(req.valSplit !== undefined ? { valSplit: req.valSplit } : {}),
    ...(req.maxLen !== undefined ? { maxLen: req.maxLen, overLong: 'keep' as const } : {}),
    // Tokenizing costs ~0.3 ms a chat, so a 1 MiB read would stall the main process for about a second;
    // 64 KiB reads (the encoding sniff included, since it is the first chunk) keep each stall near 60 ms.
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
    fields: r.fields,
    sample: r.sample.map((e) => ('messages' in e ? { messages: e.messages.map((m) => ({ role: m.role, content: m.content })) } : { text: e.text })),
    stats: { unit: s.unit, histogram: s.histogram, p50: s.p50, p95: s.p95, maxLength: s.maxLength, meanLength: s.meanLength, maxLen: s.maxLen, overMaxLen: s.overMaxLen },
    split: r.split ? { train: r.split.train, val: r.split.val } : null,
    ...(model ? { tokenizer: model.name, rendered: r.sample.map((e) => model.view.render(e)) } : {}),
  };
}

type LibraryChannels = 'models.list' | 'models.register' | 'datasets.list' | 'datasets.inspect' | 'datasets.import' | 'datasets.columns' | 'datasets.delete';

export function libraryHandlers(ctx: HandlerContext): Pick<HandlerTable, LibraryChannels> {
  const jobs = new InspectJobs(ctx.publish);
  return {
    'models.list': () => listModels(ctx.db),
    'models.register': async ({ path }) => {
      const model = await registerModel(ctx.db, path);
      ctx.publish?.({ type: 'library.changed', what: 'models' });
      return model;
    },
    'datasets.list': () => listDatasets(ctx.db),
    'datasets.inspect': async (req) => {
      const { model, error } = tryViewOf(ctx.db, req.modelId);
      const result = await jobs.run(req, importOptions(req, model?.view), (opts, onProgress) => importDataset(req.path, opts, onProgress));
      const preview = toPreview(result, model);
      return error ? { ...preview, tokenizerError: error } : preview;
    },
    'datasets.columns': async ({ path, encoding }) => ({ columns: await peekColumns(path, encoding ?? 'auto') }),
    'datasets.import': async (req) => {
      // A model that cannot render (moved folder, no template) does not block the import: stats in characters.
      // Importing what was just checked registers that check's result: the file is not read again.
      const result =
        (await jobs.recent(req)) ?? (await jobs.run(req, importOptions(req, tryViewOf(ctx.db, req.modelId).model?.view), (opts, onProgress) => importDataset(req.path, opts, onProgress)));
      const id = registerImport(ctx.db, result, req.name ?? result.name);
      ctx.publish?.({ type: 'library.changed', what: 'datasets' });
      return { id };
    },
    'datasets.delete': ({ id }) => {
      if (!getDataset(ctx.db, id)) throw new UserError(`dataset ${id} is not in the library`, { where: 'id', hint: 'reload the Datasets page; it may have been removed already' });
      const runsUnlinked = deleteDataset(ctx.db, id);
      ctx.publish?.({ type: 'library.changed', what: 'datasets' });
      return { runsUnlinked };
    },
  };
}

/**
 * models.* and datasets.* channels: the registry of local models, and dataset inspection (a dry run of
 * the importer: format, encoding, skipped lines, preview, length histogram) and import. With a model
 * chosen, lengths are in its tokens with the chat template included and the preview is rendered through
 * the template (data/check/template-preview.ts); examples over the max length are counted, not dropped, since
 * training truncates them. Reading the file and rendering the template happen in the dataset-check child
 * process (data/check/), never here: this process only resolves the model and writes the store.
 */
import { peekColumns } from '../data/peek-columns';
import type { DatasetInspectRequest } from '../../src-shared/ipc-contract';
import { DatasetCheckClient } from '../data/check/dataset-check-client';
import type { DatasetCheckJob } from '../data/check/dataset-check';
import { registerImport } from '../data/register';
import { registerModel } from '../models/register-model';
import { UserError } from '../errors';
import { deleteDataset, getDataset, getModel, isDatasetSource, listDatasets, listModels } from '../store/queries/library';
import type { Db } from '../store/db';
import type { HandlerContext } from './context';
import { checkReadable, readableRoots } from './readable-roots';
import type { HandlerTable } from './router';

/** One checker child for the whole process: it keeps the tokenizers it loaded between checks. */
const checks = new DatasetCheckClient();

/** The job for a request: the model's folder when its modelId is registered, else why not. */
function jobOf(db: Db, kind: DatasetCheckJob['kind'], request: DatasetInspectRequest): DatasetCheckJob {
  if (request.modelId === undefined) return { kind, request, model: null };
  const model = getModel(db, request.modelId);
  if (!model) {
    const err = new UserError(`model ${request.modelId} is not registered`, { where: 'modelId', hint: 'pick a model from the list, or add its folder first' });
    return { kind, request, model: null, modelError: err.message };
  }
  return { kind, request, model: { path: model.path, name: model.name } };
}

type LibraryChannels = 'models.list' | 'models.register' | 'datasets.list' | 'datasets.inspect' | 'datasets.import' | 'datasets.columns' | 'datasets.delete';

export function libraryHandlers(ctx: HandlerContext): Pick<HandlerTable, LibraryChannels> {
  const roots = readableRoots(ctx.home);
  // The dataset preview reads a file's first lines: only inside the readable folders, or a registered dataset.
  const readable = (path: string): string => {
    checkReadable(path, roots, (abs) => isDatasetSource(ctx.db, abs));
    return path;
  };
  return {
    'models.list': () => listModels(ctx.db),
    'models.register': async ({ path }) => {
      const model = await registerModel(ctx.db, path);
      ctx.publish?.({ type: 'library.changed', what: 'models' });
      return model;
    },
    'datasets.list': () => listDatasets(ctx.db),
    'datasets.inspect': async (req) => {
      // Reading progress goes to the renderer under the draft's key (the wizard's ETA).
      const key = req.progressKey;
      const onProgress =
        key === undefined
          ? undefined
          : (p: { bytesRead: number; totalBytes: number }) =>
              ctx.publish?.({ type: 'datasets.progress', key, bytesRead: p.bytesRead, totalBytes: p.totalBytes, examples: 0 });
      const out = await checks.run(jobOf(ctx.db, 'inspect', { ...req, path: readable(req.path) }), onProgress);
      if (out.kind !== 'inspect') throw new Error('dataset check: expected a preview');
      return out.preview;
    },
    'datasets.columns': async ({ path, encoding }) => ({ columns: await peekColumns(readable(path), encoding ?? 'auto') }),
    'datasets.import': async (req) => {
      // A model that cannot render (moved folder, no template) does not block the import: stats in characters.
      const out = await checks.run(jobOf(ctx.db, 'import', { ...req, path: readable(req.path) }));
      if (out.kind !== 'import') throw new Error('dataset check: expected an import result');
      const id = registerImport(ctx.db, out.result, req.name ?? out.result.name);
      ctx.publish?.({ type: 'library.changed', what: 'datasets' });
      return { id };
    },
    'datasets.delete': ({ id }) => {
      if (!getDataset(ctx.db, id))
        throw new UserError(`dataset ${id} is not in the library`, { where: 'id', hint: 'reload the Datasets page; it may have been removed already' });
      const runsUnlinked = deleteDataset(ctx.db, id);
      ctx.publish?.({ type: 'library.changed', what: 'datasets' });
      return { runsUnlinked };
    },
  };
}

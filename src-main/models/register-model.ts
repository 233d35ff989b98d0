/**
 * Adds a model folder to the store's registry (or refreshes its row): the facts come from
 * inspectModelFolder, the provenance (local folder, hub download, demo) from the caller.
 */
import type { ModelRecord } from '../../src-shared/dto/library';
import type { Db } from '../store/db';
import { listModels, upsertModel } from '../store/queries/library';
import { inspectModelFolder } from './inspect-model';

export interface RegisterOptions {
  source?: ModelRecord['source'];
  repoId?: string | null;
  isDemo?: boolean;
  /** Display name; the folder name (or the repo id for downloads) when absent. */
  name?: string;
}

export async function registerModel(db: Db, dir: string, opts: RegisterOptions = {}): Promise<ModelRecord> {
  const info = await inspectModelFolder(dir);
  const id = upsertModel(db, {
    path: info.path,
    name: opts.name ?? opts.repoId ?? info.name,
    family: info.family,
    params: info.params,
    dtype: info.dtype,
    hasChatTemplate: info.hasChatTemplate,
    configHash: info.configHash,
    source: opts.source ?? 'local',
    repoId: opts.repoId ?? null,
    isDemo: opts.isDemo ?? false,
  });
  const row = listModels(db).find((m) => m.id === id);
  if (!row) throw new Error(`registerModel: row ${id} vanished after upsert`);
  return row;
}

/** SQL for the models and datasets tables. */
import { dirname, sep } from 'node:path';
import type { DatasetSpec } from '../../engine/train/train-config';
import type { DatasetRecord, ModelFamily, ModelRecord } from '../../../src-shared/dto/library';
import type { Db } from '../db';
import { parseJsonColumn } from './json';

interface ModelRow {
  id: number;
  path: string;
  name: string;
  family: ModelFamily;
  params: number | null;
  dtype: string | null;
  has_chat_template: number;
  config_hash: string | null;
  source: ModelRecord['source'];
  repo_id: string | null;
  is_demo: number;
  created_at: string;
}

const toModel = (r: ModelRow): ModelRecord => ({
  id: r.id,
  path: r.path,
  name: r.name,
  family: r.family,
  params: r.params,
  dtype: r.dtype,
  hasChatTemplate: r.has_chat_template === 1,
  configHash: r.config_hash,
  source: r.source,
  repoId: r.repo_id,
  isDemo: r.is_demo === 1,
  createdAt: r.created_at,
});

export type NewModel = Omit<ModelRecord, 'id' | 'createdAt'>;

/** Registers a model folder, or refreshes the row of one already known by path. */
export function upsertModel(db: Db, m: NewModel): number {
  const row = db
    .prepare(
      `INSERT INTO models (path, name, family, params, dtype, has_chat_template, config_hash, source, repo_id, is_demo)
       VALUES (@path, @name, @family, @params, @dtype, @hasChatTemplate, @configHash, @source, @repoId, @isDemo)
       ON CONFLICT(path) DO UPDATE SET name = excluded.name, family = excluded.family, params = excluded.params,
         dtype = excluded.dtype, has_chat_template = excluded.has_chat_template, config_hash = excluded.config_hash
       RETURNING id`,
    )
    .get({ ...m, hasChatTemplate: m.hasChatTemplate ? 1 : 0, isDemo: m.isDemo ? 1 : 0 }) as { id: number };
  return row.id;
}

export function listModels(db: Db): ModelRecord[] {
  return (db.prepare('SELECT * FROM models ORDER BY is_demo DESC, name COLLATE NOCASE').all() as ModelRow[]).map(toModel);
}

export function getModel(db: Db, id: number): ModelRecord | undefined {
  const row = db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow | undefined;
  return row && toModel(row);
}

export function getModelByPath(db: Db, path: string): ModelRecord | undefined {
  const row = db.prepare('SELECT id FROM models WHERE path = ?').get(path) as { id: number } | undefined;
  return row ? getModel(db, row.id) : undefined;
}

/** The first registered model downloaded from this hub repo (an imported run names its base by repo id). */
export function modelPathOfRepo(db: Db, repoId: string): string | undefined {
  const row = db.prepare('SELECT path FROM models WHERE repo_id = ? ORDER BY id LIMIT 1').get(repoId) as { path: string } | undefined;
  return row?.path;
}

export function deleteModel(db: Db, id: number): void {
  db.prepare('DELETE FROM models WHERE id = ?').run(id);
}

interface DatasetRow {
  id: number;
  name: string;
  source_paths: string;
  sha256: string;
  format: string;
  encoding: string | null;
  mapping_json: string | null;
  examples: number;
  skipped: number;
  stats_json: string | null;
  is_demo: number;
  created_at: string;
}

const toDataset = (r: DatasetRow): DatasetRecord => ({
  id: r.id,
  name: r.name,
  sourcePaths: parseJsonColumn<string[]>(r.source_paths, []),
  sha256: r.sha256,
  format: r.format,
  encoding: r.encoding,
  mapping: parseJsonColumn<Record<string, string> | null>(r.mapping_json, null),
  examples: r.examples,
  skipped: r.skipped,
  stats: parseJsonColumn<Record<string, unknown> | null>(r.stats_json, null),
  isDemo: r.is_demo === 1,
  createdAt: r.created_at,
});

export type NewDataset = Omit<DatasetRecord, 'id' | 'createdAt'>;

/** Registers an import; the same files with the same format, encoding and mapping return the existing row. */
export function insertDataset(db: Db, d: NewDataset): number {
  const mapping = d.mapping ? JSON.stringify(d.mapping) : null;
  // The same bytes read in another encoding are other examples: a row of their own, never the old encoding's row.
  const existing = db
    .prepare(
      "SELECT id FROM datasets WHERE sha256 = ? AND format = ? AND coalesce(encoding, '') = coalesce(?, '') AND coalesce(mapping_json, '') = coalesce(?, '')",
    )
    .get(d.sha256, d.format, d.encoding, mapping) as { id: number } | undefined;
  if (existing) return existing.id;
  const info = db
    .prepare(
      `INSERT INTO datasets (name, source_paths, sha256, format, encoding, mapping_json, examples, skipped, stats_json, is_demo)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      d.name,
      JSON.stringify(d.sourcePaths),
      d.sha256,
      d.format,
      d.encoding,
      mapping,
      d.examples,
      d.skipped,
      d.stats ? JSON.stringify(d.stats) : null,
      d.isDemo ? 1 : 0,
    );
  return Number(info.lastInsertRowid);
}

export function listDatasets(db: Db): DatasetRecord[] {
  return (db.prepare('SELECT * FROM datasets ORDER BY id DESC').all() as DatasetRow[]).map(toDataset);
}

/** Deletes a dataset row; runs that referenced it keep their dataset path and hash (dataset_id ON DELETE SET NULL). Returns how many runs it unlinked. */
export function deleteDataset(db: Db, id: number): number {
  return db.transaction(() => {
    const { n } = db.prepare('SELECT count(*) AS n FROM runs WHERE dataset_id = ?').get(id) as { n: number };
    db.prepare('DELETE FROM datasets WHERE id = ?').run(id);
    return n;
  })();
}

export function getDataset(db: Db, id: number): DatasetRecord | undefined {
  const row = db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetRow | undefined;
  return row && toDataset(row);
}

/** Whether a registered dataset reads this file (the API may then read it wherever it is). */
export function isDatasetSource(db: Db, path: string): boolean {
  return db.prepare('SELECT 1 FROM datasets, json_each(datasets.source_paths) WHERE json_each.value = ? LIMIT 1').get(path) !== undefined;
}

/** A library dataset as a run reads it: the spec, what the user named (the folder or file), format and column map. */
export interface DatasetForRun {
  spec: DatasetSpec;
  /** The folder or file the import was given (older rows, which did not keep it: the first file, or the files' folder). */
  input: string;
  format: string;
  /** Only a user's column mapping (format csv): other formats read their fields by name. */
  map: Record<string, string> | null;
}

/** Where a folder import's files live: the path every file lies under. */
function commonFolder(files: string[]): string {
  let common = dirname(files[0]!);
  while (!files.every((f) => f.startsWith(common + sep))) common = dirname(common);
  return common;
}

export function datasetForRun(d: DatasetRecord): DatasetForRun {
  const encodings = (d.encoding ?? '').split(',').filter(Boolean);
  const kept = typeof d.stats?.input === 'string' ? d.stats.input : null;
  const input = kept ?? (d.sourcePaths.length > 1 ? commonFolder(d.sourcePaths) : (d.sourcePaths[0] ?? ''));
  return {
    // Files of one encoding read in it; a folder of mixed encodings is detected file by file again, as it was.
    spec: { id: d.id, files: [...d.sourcePaths], encoding: encodings.length === 1 ? encodings[0]! : 'auto', sha256: d.sha256 },
    input,
    format: d.format,
    map: d.format === 'csv' && d.mapping ? d.mapping : null,
  };
}

/** The first library dataset whose bytes hash to `sha256` (a run on a file names the row it came from). */
export function datasetIdOfSha256(db: Db, sha256: string): number | null {
  const row = db.prepare('SELECT id FROM datasets WHERE sha256 = ? ORDER BY id LIMIT 1').get(sha256) as { id: number } | undefined;
  return row?.id ?? null;
}

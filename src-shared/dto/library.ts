/** Models and datasets known to the store, as the renderer and CLI see them. */

export type { ModelFamily } from '../../src-main/engine/config/model-config';
import type { ModelFamily } from '../../src-main/engine/config/model-config';

export interface ModelRecord {
  id: number;
  path: string;
  name: string;
  family: ModelFamily;
  params: number | null;
  dtype: string | null;
  hasChatTemplate: boolean;
  configHash: string | null;
  source: 'local' | 'huggingface' | 'modelscope' | 'demo';
  repoId: string | null;
  isDemo: boolean;
  createdAt: string;
}

export interface DatasetRecord {
  id: number;
  name: string;
  sourcePaths: string[];
  sha256: string;
  format: string;
  encoding: string | null;
  mapping: Record<string, string> | null;
  examples: number;
  skipped: number;
  stats: Record<string, unknown> | null;
  isDemo: boolean;
  createdAt: string;
}

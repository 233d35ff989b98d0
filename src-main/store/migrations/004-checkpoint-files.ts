/**
 * Schema v4: each checkpoint's files as written (name -> size and sha256), so a resume can tell a
 * damaged checkpoint from a good one and fall back to the previous good one. NULL on rows written
 * before v4: those are checked for their required files only.
 */
import type { Migration } from '../migration';

export const migration004: Migration = {
  version: 4,
  name: 'checkpoint file sizes and hashes',
  sql: `
ALTER TABLE checkpoints ADD COLUMN files_json TEXT;  -- {"params.safetensors":{"size":N,"sha256":"..."},...}
`,
};

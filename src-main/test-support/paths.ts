/** Paths tests use: the shared fixtures beside the checkout, and fresh temp folders. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedFixtures = resolve(repoRoot, '../shared/fixtures');
export const tinyQwen2Model = join(sharedFixtures, 'tiny-qwen2/model');
export const tinyQwen2Adapter = join(sharedFixtures, 'tiny-qwen2/adapter');
export const tinyQwen2Dir = join(sharedFixtures, 'tiny-qwen2');

/** A temp folder removed when the test process exits. */
export function tempDir(prefix = 'tuneloom-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

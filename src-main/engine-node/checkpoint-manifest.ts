/**
 * What a checkpoint folder held when it was written: each file's size and sha256, computed by the
 * worker from the bytes on disk (after they were fsynced) and kept in the store with the checkpoint
 * row. A resume checks the folder against it, so a truncated or damaged checkpoint (a crash mid-copy,
 * a bad disk, a hand edit) is never loaded: the run falls back to the newest one that still matches.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type CheckpointManifest = Record<string, { size: number; sha256: string }>;

/** What a checkpoint written before schema v4 (no manifest) must still hold. */
const LEGACY_REQUIRED = ['trainer_state.json'];

export function manifestOf(dir: string): CheckpointManifest {
  const out: CheckpointManifest = {};
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name);
    if (!statSync(file).isFile()) continue;
    const data = readFileSync(file);
    out[name] = { size: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
  }
  return out;
}

export function isManifest(v: unknown): v is CheckpointManifest {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.values(v).every(
      (f) =>
        typeof f === 'object' && f !== null && Number.isSafeInteger((f as { size: unknown }).size) && typeof (f as { sha256: unknown }).sha256 === 'string',
    )
  );
}

/** Why the folder does not match (one short phrase), or null when it does. */
export function checkpointDamage(dir: string, manifest: CheckpointManifest | null): string | null {
  if (!existsSync(dir)) return 'its folder is gone';
  if (!manifest) {
    const missing = LEGACY_REQUIRED.filter((f) => !existsSync(join(dir, f)) || statSync(join(dir, f)).size === 0);
    return missing.length ? `${missing.join(', ')} missing or empty` : null;
  }
  for (const [name, want] of Object.entries(manifest)) {
    const file = join(dir, name);
    if (!existsSync(file)) return `${name} is missing`;
    const size = statSync(file).size;
    if (size !== want.size) return `${name} has ${size} bytes, ${want.size} were written`;
    if (createHash('sha256').update(readFileSync(file)).digest('hex') !== want.sha256) return `${name} differs from what was written (sha256)`;
  }
  return null;
}

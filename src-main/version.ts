/** The app version, read once from package.json (works from source under tsx and from dist/). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function appVersion(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tuneloom' && pkg.version) return (cached = pkg.version);
    } catch {
      /* keep walking up */
    }
    dir = dirname(dir);
  }
  return (cached = '0.0.0');
}

#!/usr/bin/env node
// The `tuneloom` command. `npm ci` builds dist/ through the `prepare` script.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli.js');
if (!existsSync(built)) {
  process.stderr.write(`tuneloom: ${built} is missing — run \`npm run build\` in ${root} first\n`);
  process.exit(2);
}
await import(pathToFileURL(built).href);

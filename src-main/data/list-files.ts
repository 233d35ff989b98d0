/**
 * A dataset given as a folder (the medical set: one folder per department) is every data file under it,
 * recursively, in a stable order, so the same folder always hashes and imports the same way.
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { UserError } from '../errors';

const DATA_EXTENSIONS = new Set(['.csv', '.json', '.jsonl', '.ndjson', '.txt']);

export async function listDataFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && DATA_EXTENSIONS.has(extname(e.name).toLowerCase())) out.push(p);
    }
  };
  await walk(dir);
  out.sort((a, b) => (relative(dir, a) < relative(dir, b) ? -1 : 1));
  if (!out.length)
    throw new UserError('the folder holds no .csv, .json, .jsonl or .txt file', { where: dir, hint: 'choose the folder that holds the dataset files' });
  return out;
}

/** The files of an input: itself, or everything under it when it is a folder. */
export async function resolveInput(input: string): Promise<{ files: string[]; isFolder: boolean }> {
  // No file system accepts a NUL in a name; said plainly, with the path shown escaped.
  if (input.includes('\u0000'))
    throw new UserError('the path holds a NUL character, which no file name can', { where: JSON.stringify(input), hint: 'check the path' });
  let isDir: boolean;
  try {
    isDir = (await stat(input)).isDirectory();
  } catch (err) {
    throw new UserError(`cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { where: input, hint: 'check the path' });
  }
  return isDir ? { files: await listDataFiles(input), isFolder: true } : { files: [input], isFolder: false };
}

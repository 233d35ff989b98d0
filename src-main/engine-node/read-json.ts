/** Reads a JSON file, turning a missing or malformed file into one UserError line. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { UserError } from '../errors';

export function readJsonFile(path: string, what: string): unknown {
  if (!existsSync(path)) throw new UserError(`${what} not found`, { where: path });
  if (!statSync(path).isFile())
    throw new UserError(`${what} is a folder, not a file`, { where: path, hint: 'replace it with the file that came with the model' });
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : undefined;
    throw new UserError(`${what} is not valid JSON (${(e as Error).message})`, { where: line ? `${path}:${line}` : path });
  }
}

export function readJsonIfExists(path: string, what: string): unknown {
  return existsSync(path) ? readJsonFile(path, what) : undefined;
}

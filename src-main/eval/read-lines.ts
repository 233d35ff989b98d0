/** Reads a text file of one example per line (UTF-8, optional BOM, LF or CRLF) for `tuneloom metrics`. */
import { readFileSync } from 'node:fs';
import { UserError } from '../errors';

export function readLinesFile(path: string, flagName: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? String(err)})`;
    throw new UserError(why, { where: path, hint: `pass a text file with one example per line to --${flagName}` });
  }
  if (text.startsWith('\ufeff')) text = text.slice(1);
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  // The newline that ends the last line does not start another example.
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

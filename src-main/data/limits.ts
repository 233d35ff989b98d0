/**
 * Size limits of one dataset record, documented in `tuneloom data inspect --help` and
 * docs/ARCHITECTURE.md. A record past one is skipped and reported with the line it starts on; the reader
 * never holds more of it than the limit, so a 70 MiB line costs the limit in memory, not gigabytes.
 * Training cuts every example to max-len tokens (32k at most in practice, ~130k characters), so a record
 * of a million characters is already far past anything it can learn from.
 */

/** Characters in one record: a JSONL line, a JSON array element, a CSV row, a plain-text line or paragraph. */
export const MAX_RECORD_CHARS = 1 << 20;

/** Nesting of arrays and objects in one JSON record; real chat records nest 3 or 4 deep. */
export const MAX_JSON_DEPTH = 64;

export const recordTooLong = (chars: number | undefined): string =>
  `record over the ${MAX_RECORD_CHARS.toLocaleString('en-US')}-character limit${chars ? ` (${chars.toLocaleString('en-US')} characters)` : ''}: split it, or leave it out`;

export const jsonTooDeep = `JSON nested deeper than ${MAX_JSON_DEPTH} levels`;

/** Whether a JSON text nests arrays/objects deeper than `max` (one linear pass; strings skipped). */
export function jsonDeeperThan(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

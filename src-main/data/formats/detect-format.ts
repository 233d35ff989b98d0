/**
 * Format detection from field names (a CSV header, or the keys of the first JSON record), and the one
 * place that builds the adapter for a chosen format, checking first that the fields it needs are there.
 */
import { UserError } from '../../errors';
import type { Container, DataFormat, FieldMap } from '../types';
import { DATA_FORMATS } from '../types';
import type { FormatAdapter } from './adapter';
import { chatAdapter, isShareGpt } from './chat-format';
import { adgenAdapter, alpacaAdapter, cotAdapter, gsm8kAdapter, medicalAdapter, s1kAdapter, textAdapter } from './instruction-formats';
import { mappedAdapter } from './mapped-format';

export interface FormatOptions {
  format?: DataFormat | 'auto';
  map?: FieldMap;
  cotTemplate?: string;
}

export function parseFormat(raw: string | undefined): DataFormat | 'auto' {
  if (raw === undefined || raw === 'auto') return 'auto';
  if ((DATA_FORMATS as readonly string[]).includes(raw)) return raw as DataFormat;
  throw new UserError(`unknown --format "${raw}"`, { hint: `use auto or one of ${DATA_FORMATS.join(', ')}` });
}

export function detectFormat(keys: string[], first: unknown, container: Container): DataFormat | undefined {
  if (container === 'text') return 'text';
  const has = (k: string) => keys.includes(k);
  if (has('messages')) return 'messages';
  if (has('conversations')) return isShareGpt(first) ? 'messages' : 'conversations';
  if (has('instruction') && has('output')) return 'alpaca';
  if (has('content') && has('summary')) return 'adgen';
  if (has('ask') && (has('answer') || has('department'))) return 'medical-csv';
  if (has('Question') && has('Response')) return 'cot';
  if (has('question') && has('thinking_trajectories') && has('attempt')) return 's1k';
  if (has('question') && has('answer')) return 'gsm8k';
  if (has('text')) return 'text';
  return undefined;
}

/**
 * The adapter for the chosen (or detected) format. `keys`: the fields the file has (a CSV header, or the
 * first JSON record's keys); `whereFields`: file and line they come from, for errors.
 */
export function buildAdapter(opts: FormatOptions, keys: string[], first: unknown, container: Container, whereFields: string): FormatAdapter {
  if (opts.map) return mappedAdapter(opts.map);
  const chosen = opts.format && opts.format !== 'auto' ? opts.format : detectFormat(keys, first, container);
  if (!chosen) {
    throw new UserError(`cannot tell the dataset format from its fields (${keys.length ? keys.join(', ') : 'none'})`, {
      where: whereFields,
      hint: 'pass --format FORMAT, or --map col=role,... (e.g. --map question=user,answer=assistant)',
    });
  }
  return adapterFor(chosen, keys, first, opts);
}

/**
 * Refuses a file that lacks a field the adapter needs (a mapped column, or one its format reads). A CSV is
 * checked at its header, since every row has the same columns; JSON records may differ, so there a missing
 * field skips the record, and this check runs only when no record could be used.
 */
export function assertFields(adapter: FormatAdapter, opts: FormatOptions, keys: string[], whereFields: string): void {
  const listed = keys.length ? keys.join(', ') : 'none';
  for (const field of adapter.required) {
    if (keys.includes(field)) continue;
    if (opts.map)
      throw new UserError(`--map names field "${field}", which the file does not have (fields: ${listed})`, {
        where: whereFields,
        hint: 'fix the column name in --map',
      });
    throw new UserError(`field "${field}" required by format ${adapter.format} is missing (fields: ${listed})`, {
      where: whereFields,
      hint: 'pick the right --format, or map the fields yourself with --map col=role,...',
    });
  }
}

function adapterFor(format: DataFormat, keys: string[], first: unknown, opts: FormatOptions): FormatAdapter {
  switch (format) {
    case 'messages':
      return keys.includes('messages') || !keys.includes('conversations')
        ? chatAdapter('messages', 'messages', false, keys.includes('system'))
        : chatAdapter('messages', 'conversations', isShareGpt(first), keys.includes('system'));
    case 'conversations':
      return chatAdapter('conversations', 'conversations', isShareGpt(first), keys.includes('system'));
    case 'alpaca':
      return alpacaAdapter(keys);
    case 'adgen':
      return adgenAdapter();
    case 'medical-csv':
      return medicalAdapter();
    case 'cot':
      return cotAdapter(opts.cotTemplate);
    case 's1k':
      return s1kAdapter(opts.cotTemplate);
    case 'gsm8k':
      return gsm8kAdapter();
    case 'text':
      return textAdapter();
    case 'csv':
      throw new UserError('format csv needs a column mapping', { hint: 'pass --map col=role,... (e.g. --map question=user,answer=assistant)' });
  }
}

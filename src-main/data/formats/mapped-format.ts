/**
 * The `csv` format: any CSV, JSON or JSONL with a user-chosen `--map col=role,...`. Roles are system,
 * user, assistant, text (self-supervised) and meta (kept as metadata). Several columns with one role are
 * joined with a newline in the order given (e.g. `instruction=user,input=user`); a role whose columns are
 * all empty skips the record, naming them.
 */
import { UserError } from '../../errors';
import type { ChatMessage, Example, FieldMap, MapTarget, Role } from '../types';
import { asObject, textOf, type FormatAdapter } from './adapter';

const TARGETS: MapTarget[] = ['system', 'user', 'assistant', 'text', 'meta'];

export function parseMap(raw: string): FieldMap {
  const map: FieldMap = {};
  for (const part of raw.split(',')) {
    const item = part.trim();
    if (!item) continue;
    const eq = item.lastIndexOf('=');
    const col = eq > 0 ? item.slice(0, eq).trim() : '';
    const role =
      eq > 0
        ? item
            .slice(eq + 1)
            .trim()
            .toLowerCase()
        : '';
    if (!col || !TARGETS.includes(role as MapTarget)) {
      throw new UserError(`--map: "${item}" is not column=role with a role among ${TARGETS.join(', ')}`, { hint: 'e.g. --map question=user,answer=assistant' });
    }
    map[col] = role as MapTarget;
  }
  if (Object.keys(map).length === 0) throw new UserError('--map is empty', { hint: 'e.g. --map question=user,answer=assistant' });
  return map;
}

/** A column -> role record (a run's config, the wizard's mapping) checked into a FieldMap. */
export function toFieldMap(record: Record<string, string>): FieldMap {
  const map: FieldMap = {};
  for (const [col, role] of Object.entries(record)) {
    if (!TARGETS.includes(role as MapTarget))
      throw new UserError(`column "${col}" is mapped to "${role}", not one of ${TARGETS.join(', ')}`, {
        hint: 'map each column to system, user, assistant, text or meta',
      });
    map[col] = role as MapTarget;
  }
  if (Object.keys(map).length === 0) throw new UserError('the column mapping is empty', { hint: 'map a user and an assistant column (or a text column)' });
  return map;
}

export function mappedAdapter(map: FieldMap): FormatAdapter {
  const cols = (t: MapTarget) => Object.keys(map).filter((c) => map[c] === t);
  const textCols = cols('text');
  const chatRoles: Role[] = ['system', 'user', 'assistant'];
  const hasChat = chatRoles.some((r) => cols(r).length > 0);
  if (textCols.length && hasChat) throw new UserError('--map mixes text with chat roles', { hint: 'map columns either to text, or to system/user/assistant' });
  if (!textCols.length && (!cols('user').length || !cols('assistant').length)) {
    throw new UserError('--map needs a user and an assistant column (or a text column)', { hint: 'e.g. --map question=user,answer=assistant' });
  }
  const metaCols = cols('meta');
  const joined = (o: Record<string, unknown>, names: string[]): string | { reason: string } => {
    const parts: string[] = [];
    for (const c of names) {
      if (o[c] === undefined) return { reason: `missing field "${c}"` };
      const t = textOf(o, c);
      if (t === undefined && o[c] !== null) return { reason: `field "${c}" is not text` };
      if (t !== undefined && t.trim() !== '') parts.push(t);
    }
    if (!parts.length) return { reason: names.length === 1 ? `empty field "${names[0]}"` : `empty fields ${names.map((n) => `"${n}"`).join(' and ')}` };
    return parts.join('\n');
  };
  return {
    format: 'csv',
    fields: { ...map },
    required: Object.keys(map),
    normalise(value) {
      const o = asObject(value);
      if (typeof o === 'string') return o;
      let example: Example;
      if (textCols.length) {
        const text = joined(o, textCols);
        if (typeof text !== 'string') return text.reason;
        example = { text };
      } else {
        const messages: ChatMessage[] = [];
        for (const role of chatRoles) {
          const names = cols(role);
          if (!names.length) continue;
          const content = joined(o, names);
          if (typeof content !== 'string') {
            if (role === 'system' && content.reason.startsWith('empty')) continue; // an empty system prompt is just absent
            return content.reason;
          }
          messages.push({ role, content });
        }
        example = { messages };
      }
      if (metaCols.length) {
        const entries: [string, string][] = [];
        for (const c of metaCols) {
          const t = textOf(o, c);
          if (t !== undefined) entries.push([c, t]);
        }
        example.meta = Object.fromEntries(entries);
      }
      return example;
    },
  };
}

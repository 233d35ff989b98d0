/**
 * Chat formats: OpenAI `{"messages":[{role,content}]}`, the student handbook's
 * `{"conversations":[{role,content}]}`, and ShareGPT's `{"conversations":[{from:"human"|"gpt"|"system",
 * value}]}` (with an optional top-level "system"). Every turn is kept in order, system turns included;
 * a chat must hold at least one assistant turn to teach anything.
 */
import type { ChatMessage, DataFormat, Role } from '../types';
import { asObject, textOf, type FormatAdapter, type Obj } from './adapter';

const ROLE_ALIASES: Record<string, Role> = {
  system: 'system',
  user: 'user',
  human: 'user',
  assistant: 'assistant',
  gpt: 'assistant',
  bot: 'assistant',
  model: 'assistant',
  chatgpt: 'assistant',
};

/** ShareGPT spells turns {from, value}; everything else {role, content}. */
export function isShareGpt(first: unknown): boolean {
  const o = first !== null && typeof first === 'object' ? (first as Obj) : undefined;
  const turns = o?.conversations;
  const t0 = Array.isArray(turns) ? turns[0] : undefined;
  return t0 !== null && typeof t0 === 'object' && ('from' in t0 || 'value' in t0);
}

export function chatAdapter(format: DataFormat, key: 'messages' | 'conversations', shareGpt: boolean, hasSystemField: boolean): FormatAdapter {
  const turnShape = shareGpt ? 'from/value' : 'role/content';
  const fields: Record<string, string> = { [key]: `chat turns (${turnShape}), every role kept` };
  if (hasSystemField) fields.system = 'system';
  return {
    format,
    fields,
    required: [key],
    normalise(value) {
      const o = asObject(value);
      if (typeof o === 'string') return o;
      const turns = o[key];
      if (turns === undefined || turns === null) return `missing field "${key}"`;
      if (!Array.isArray(turns)) return `field "${key}" is not a list of turns`;
      const messages: ChatMessage[] = [];
      const system = textOf(o, 'system');
      if (system !== undefined && system.trim() !== '') messages.push({ role: 'system', content: system });
      for (let i = 0; i < turns.length; i++) {
        const t = asObject(turns[i]);
        const at = `${key}[${i}]`;
        if (typeof t === 'string') return `${at}: ${t}`;
        const rawRole = textOf(t, 'role') ?? textOf(t, 'from');
        if (rawRole === undefined) return `${at}: missing "${shareGpt ? 'from' : 'role'}"`;
        const role = ROLE_ALIASES[rawRole.toLowerCase()];
        if (!role) return `${at}: unknown role "${rawRole}"`;
        const content = textOf(t, 'content') ?? textOf(t, 'value');
        const contentKey = shareGpt ? 'value' : 'content';
        if (content === undefined) return `${at}: missing "${contentKey}"`;
        if (content.trim() === '') return `${at}: empty "${contentKey}"`;
        messages.push({ role, content });
      }
      if (!messages.some((m) => m.role === 'assistant')) return `no assistant turn in "${key}"`;
      return { messages };
    },
  };
}

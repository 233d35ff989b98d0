/**
 * Our normalised examples in the targets' native dataset formats, and back by the targets' documented
 * rules (LLaMA-Factory data/README.md + src/llamafactory/data/converter.py; axolotl's chat_template
 * strategy with message_property_mappings), so a test can prove the rows mean the same chats.
 *
 * LLaMA-Factory: every chat that is [system?, user, assistant] becomes an alpaca row (instruction,
 * output, system; no `input`, so "instruction\ninput" is the user text unchanged); if any chat has more
 * turns, all rows are sharegpt with OpenAI-style role/content tags. Plain texts are pre-training rows.
 * axolotl: chats are `chat_template` rows (messages with role/content), rendered by the model's own
 * template as our trainer does; plain texts are `completion` rows. axolotl's `alpaca` type is not used
 * for chats: it would wrap them in the Alpaca prompt ("### Instruction:") instead of the chat template.
 */
import { UserError } from '../errors';
import type { ChatMessage, Example } from '../data/types';
import { isChat } from '../data/types';
import type { YamlMap } from './yaml';

export type LlamaFactoryFormatting = 'alpaca' | 'sharegpt' | 'pretrain';

export interface LlamaFactoryDataset {
  formatting: LlamaFactoryFormatting;
  rows: Record<string, unknown>[];
  /** The dataset_info.json entry (without file_name). */
  info: { formatting?: 'alpaca' | 'sharegpt'; columns: Record<string, string>; tags?: Record<string, string> };
}

const SHAREGPT_TAGS = { role_tag: 'role', content_tag: 'content', user_tag: 'user', assistant_tag: 'assistant', system_tag: 'system' } as const;

function kindOf(examples: readonly Example[], what: string): 'chat' | 'text' {
  if (examples.length === 0) throw new UserError(`the run's ${what} set has no examples`, { hint: 'export a run whose dataset still loads with examples' });
  const chats = examples.filter(isChat).length;
  if (chats !== 0 && chats !== examples.length)
    throw new UserError(`the run's ${what} set mixes chats and plain texts`, { hint: 'split it into a chat dataset and a text dataset' });
  return chats ? 'chat' : 'text';
}

export function datasetKind(examples: readonly Example[]): 'chat' | 'text' {
  return kindOf(examples, 'training');
}

/** Single-turn: [system?, user, assistant]. */
function isSingleTurn(m: readonly ChatMessage[]): boolean {
  const body = m[0]?.role === 'system' ? m.slice(1) : m;
  return body.length === 2 && body[0].role === 'user' && body[1].role === 'assistant';
}

/** What a sharegpt row must be for LLaMA-Factory not to drop it: system first, then user/assistant pairs. */
function sharegptProblem(m: readonly ChatMessage[]): string | null {
  const body = m[0]?.role === 'system' ? m.slice(1) : m;
  if (body.some((x) => x.role === 'system')) return 'a system message after the first turn';
  for (let i = 0; i < body.length; i++)
    if (body[i].role !== (i % 2 === 0 ? 'user' : 'assistant')) return `turn ${i + 1} is ${body[i].role} where ${i % 2 === 0 ? 'user' : 'assistant'} must be`;
  if (body.length === 0 || body.length % 2 !== 0) return 'it does not end with an assistant turn';
  return null;
}

export function toLlamaFactory(examples: readonly Example[], what = 'training', formatting?: LlamaFactoryFormatting): LlamaFactoryDataset {
  if (kindOf(examples, what) === 'text') {
    return { formatting: 'pretrain', rows: examples.map((e) => ({ text: (e as { text: string }).text })), info: { columns: { prompt: 'text' } } };
  }
  const chats = examples.map((e) => (e as { messages: ChatMessage[] }).messages);
  chats.forEach((m, i) => {
    const problem = sharegptProblem(m);
    if (problem)
      throw new UserError(`example ${i + 1} of the ${what} set cannot be written for LLaMA-Factory: ${problem}`, {
        hint: 'LLaMA-Factory reads a leading system turn, then user/assistant pairs; fix or drop that row and train again',
      });
  });
  const pick = formatting ?? (chats.every(isSingleTurn) ? 'alpaca' : 'sharegpt');
  if (pick === 'alpaca') {
    const rows = chats.map((m) => {
      const sys = m[0].role === 'system' ? m[0].content : null;
      const body = sys === null ? m : m.slice(1);
      return { instruction: body[0].content, output: body[1].content, ...(sys !== null ? { system: sys } : {}) };
    });
    const hasSystem = rows.some((r) => 'system' in r);
    return {
      formatting: 'alpaca',
      rows,
      info: { formatting: 'alpaca', columns: { prompt: 'instruction', response: 'output', ...(hasSystem ? { system: 'system' } : {}) } },
    };
  }
  return {
    formatting: 'sharegpt',
    rows: chats.map((m) => ({ messages: m.map((x) => ({ role: x.role, content: x.content })) })),
    info: { formatting: 'sharegpt', columns: { messages: 'messages' }, tags: { ...SHAREGPT_TAGS } },
  };
}

/** LLaMA-Factory's documented reading of a row (AlpacaDatasetConverter / SharegptDatasetConverter), as chat messages. */
export function fromLlamaFactory(row: Record<string, unknown>, info: LlamaFactoryDataset['info']): Example {
  const col = (k: string, fallback: string | null): string | null => info.columns[k] ?? fallback;
  const get = (k: string | null): unknown => (k ? row[k] : undefined);
  if (info.formatting === 'sharegpt') {
    const t = { role_tag: 'from', content_tag: 'value', user_tag: 'human', assistant_tag: 'gpt', system_tag: 'system', ...info.tags };
    let list = get(col('messages', 'conversations')) as Record<string, string>[];
    const out: ChatMessage[] = [];
    if (t.system_tag && list.length && list[0][t.role_tag] === t.system_tag) {
      out.push({ role: 'system', content: list[0][t.content_tag] });
      list = list.slice(1);
    } else {
      const sys = get(col('system', null));
      if (typeof sys === 'string' && sys) out.push({ role: 'system', content: sys });
    }
    const roleOf: Record<string, ChatMessage['role']> = { [t.user_tag]: 'user', [t.assistant_tag]: 'assistant' };
    list.forEach((m, i) => {
      const role = roleOf[m[t.role_tag]];
      if (role !== (i % 2 === 0 ? 'user' : 'assistant')) throw new Error(`LLaMA-Factory would skip this row: invalid role tag at turn ${i + 1}`);
      out.push({ role, content: m[t.content_tag] });
    });
    if (list.length % 2 !== 0) throw new Error('LLaMA-Factory would skip this row: invalid message count');
    return { messages: out };
  }
  if (!info.formatting && info.columns.prompt && !info.columns.response) return { text: String(get(info.columns.prompt)) };
  const out: ChatMessage[] = [];
  const sys = get(col('system', null));
  if (typeof sys === 'string' && sys) out.push({ role: 'system', content: sys });
  const history = get(col('history', null));
  if (Array.isArray(history)) for (const [q, a] of history as [string, string][]) out.push({ role: 'user', content: q }, { role: 'assistant', content: a });
  const query = [get(col('prompt', 'instruction')), get(col('query', 'input'))].filter((x): x is string => typeof x === 'string' && x !== '');
  out.push({ role: 'user', content: query.join('\n') });
  out.push({ role: 'assistant', content: String(get(col('response', 'output'))) });
  return { messages: out };
}

export interface AxolotlDataset {
  type: 'chat_template' | 'completion';
  rows: Record<string, unknown>[];
  /** The `datasets:` entry (without path/data_files). */
  entry: YamlMap;
}

export function toAxolotl(examples: readonly Example[], what = 'training', lossOn: 'completion' | 'all' = 'completion'): AxolotlDataset {
  if (kindOf(examples, what) === 'text') {
    return { type: 'completion', rows: examples.map((e) => ({ text: (e as { text: string }).text })), entry: { type: 'completion', field: 'text' } };
  }
  return {
    type: 'chat_template',
    rows: examples.map((e) => ({ messages: (e as { messages: ChatMessage[] }).messages.map((m) => ({ role: m.role, content: m.content })) })),
    entry: {
      type: 'chat_template',
      field_messages: 'messages',
      message_property_mappings: { role: 'role', content: 'content' },
      // Our `completion` loss learns every assistant turn and its end-of-turn token; `all` learns everything.
      roles_to_train: lossOn === 'all' ? ['system', 'user', 'assistant'] : ['assistant'],
      train_on_eos: lossOn === 'all' ? 'all' : 'turn',
    },
  };
}

/** axolotl's reading of a chat_template / completion row through the entry's property mappings. */
export function fromAxolotl(row: Record<string, unknown>, entry: YamlMap): Example {
  if (entry.type === 'completion') return { text: String(row[(entry.field as string | undefined) ?? 'text']) };
  const maps = { role: 'role', content: 'content', ...(entry.message_property_mappings as Record<string, string> | undefined) };
  const list = row[(entry.field_messages as string | undefined) ?? 'messages'] as Record<string, string>[];
  const roles: Record<string, ChatMessage['role']> = { human: 'user', user: 'user', gpt: 'assistant', assistant: 'assistant', system: 'system' };
  return { messages: list.map((m) => ({ role: roles[m[maps.role]], content: m[maps.content] })) };
}

/** JSON Lines text of rows (both targets read .jsonl as a json dataset). */
export function jsonLines(rows: readonly Record<string, unknown>[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

/**
 * Single-turn formats, each a fixed set of fields:
 * - alpaca: instruction (+ input on a new line when not empty) -> user, output -> assistant, optional
 *   system, and optional `history` ([[user, assistant], ...] before the final turn, as LLaMA-Factory
 *   writes it). The huanhuan role-play set is this shape with a system prompt.
 * - adgen (AdvertiseGen): content -> user, summary -> assistant.
 * - medical-csv: ask -> user, answer -> assistant, department kept as metadata. When `ask` is empty the
 *   row's `title` (the question's headline) is the user turn instead, so such rows still teach.
 * - cot (medical-o1-reasoning-SFT): Question -> user; assistant = the template filled with Complex_CoT and
 *   Response, by default `<think>\n{cot}\n</think>\n\n{response}` as Qwen3-style thinking models write it.
 * - s1k (simplescaling/s1K): question -> user; assistant = the same template with thinking_trajectories
 *   (a list of strings, joined by newlines, or one string) as {cot} and attempt as {response}; the
 *   reference `solution` is kept as metadata (it is not what the model is taught to write).
 * - gsm8k: question -> user, answer (the worked solution ending in `#### 42`) -> assistant; GRPO reads the
 *   number after `####` as the reference.
 */
import { UserError } from '../../errors';
import type { ChatMessage, Example } from '../types';
import { asObject, requiredText, textOf, type FormatAdapter } from './adapter';

export function alpacaAdapter(keys: string[]): FormatAdapter {
  const fields: Record<string, string> = {};
  if (keys.includes('system')) fields.system = 'system';
  if (keys.includes('history')) fields.history = 'earlier user/assistant turns';
  Object.assign(fields, { instruction: 'user', input: 'user (after the instruction, on a new line)', output: 'assistant' });
  return {
    format: 'alpaca',
    fields,
    required: ['instruction', 'output'],
    normalise(value) {
      const o = asObject(value);
      if (typeof o === 'string') return o;
      const instruction = requiredText(o, 'instruction');
      if (typeof instruction !== 'string') return instruction.reason;
      const output = requiredText(o, 'output');
      if (typeof output !== 'string') return output.reason;
      const input = textOf(o, 'input') ?? '';
      const system = textOf(o, 'system') ?? '';
      const messages: ChatMessage[] = [];
      if (system.trim()) messages.push({ role: 'system', content: system });
      const history = o.history;
      if (Array.isArray(history)) {
        for (let i = 0; i < history.length; i++) {
          const pair = history[i];
          if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string')
            return `history[${i}] is not a [user, assistant] pair`;
          messages.push({ role: 'user', content: pair[0] }, { role: 'assistant', content: pair[1] });
        }
      } else if (history !== undefined && history !== null) return 'field "history" is not a list of [user, assistant] pairs';
      messages.push({ role: 'user', content: input.trim() ? `${instruction}\n${input}` : instruction }, { role: 'assistant', content: output });
      return { messages };
    },
  };
}

export function adgenAdapter(): FormatAdapter {
  return {
    format: 'adgen',
    fields: { content: 'user', summary: 'assistant' },
    required: ['content', 'summary'],
    normalise(value) {
      const o = asObject(value);
      if (typeof o === 'string') return o;
      const content = requiredText(o, 'content');
      if (typeof content !== 'string') return content.reason;
      const summary = requiredText(o, 'summary');
      if (typeof summary !== 'string') return summary.reason;
      return {
        messages: [
          { role: 'user', content },
          { role: 'assistant', content: summary },
        ],
      };
    },
  };
}

export function medicalAdapter(): FormatAdapter {
  return {
    format: 'medical-csv',
    fields: { department: 'metadata', title: 'user (when ask is empty)', ask: 'user', answer: 'assistant' },
    required: ['department', 'title', 'ask', 'answer'],
    normalise(value) {
      const o = asObject(value);
      if (typeof o === 'string') return o;
      let ask = textOf(o, 'ask') ?? '';
      if (ask.trim() === '') ask = textOf(o, 'title') ?? '';
      if (ask.trim() === '') return 'empty fields "ask" and "title"';
      const answer = requiredText(o, 'answer');
      if (typeof answer !== 'string') return answer.reason;
      const example: Example = {
        messages: [
          { role: 'user', content: ask },
          { role: 'assistant', content: answer },
        ],
      };
      const department = textOf(o, 'department');
      if (department) example.meta = { department };
      return example;
    },
  };
}

export const DEFAULT_COT_TEMPLATE = '<think>\n{cot}\n</think>\n\n{response}';

export function cotAdapter(template = DEFAULT_COT_TEMPLATE): FormatAdapter {
  if (!template.includes('{response}')) {
    throw new UserError(`the CoT template "${template}" has no {response} placeholder`, {
      hint: 'write it with {cot} and {response}, e.g. "<think>\\n{cot}\\n</think>\\n\\n{response}"',
    });
  }
  return {
    format: 'cot',
    fields: { Question: 'user', Complex_CoT: `assistant, as {cot} in "${template.replace(/\n/g, '\\n')}"`, Response: 'assistant, as {response}' },
    required: ['Question', 'Complex_CoT', 'Response'],
    normalise(value) {
      const o = asObject(value);
      if (typeof o === 'string') return o;
      const question = requiredText(o, 'Question');
      if (typeof question !== 'string') return question.reason;
      const cot = requiredText(o, 'Complex_CoT');
      if (typeof cot !== 'string') return cot.reason;
      const response = requiredText(o, 'Response');
      if (typeof response !== 'string') return response.reason;
      // A function replacer, so "$&" or "$1" inside the data stays literal.
      const content = template.replace(/\{cot\}|\{response\}/g, (m) => (m === '{cot}' ? cot : response));
      return {
        messages: [
          { role: 'user', content: question },
          { role: 'assistant', content },
        ],
      };
    },
  };
}

/** s1K's trajectories: a list of strings (the dataset's layout) or one string. */
function trajectoriesOf(o: Record<string, unknown>, key: string): string | { reason: string } {
  const v = o[key];
  if (Array.isArray(v)) {
    if (!v.every((x) => typeof x === 'string')) return { reason: `field "${key}" is not a list of text` };
    const joined = v.join('\n');
    return joined.trim() ? joined : { reason: `empty field "${key}"` };
  }
  return requiredText(o, key);
}

export function s1kAdapter(template = DEFAULT_COT_TEMPLATE): FormatAdapter {
  const cot = cotAdapter(template); // the template check, once
  return {
    format: 's1k',
    fields: {
      question: 'user',
      thinking_trajectories: `assistant, as {cot} in "${template.replace(/\n/g, '\\n')}"`,
      attempt: 'assistant, as {response}',
      solution: 'metadata',
    },
    required: ['question', 'thinking_trajectories', 'attempt'],
    normalise(value) {
      const o = asObject(value);
      if (typeof o === 'string') return o;
      const question = requiredText(o, 'question');
      if (typeof question !== 'string') return question.reason;
      const thinking = trajectoriesOf(o, 'thinking_trajectories');
      if (typeof thinking !== 'string') return thinking.reason;
      const attempt = requiredText(o, 'attempt');
      if (typeof attempt !== 'string') return attempt.reason;
      const ex = cot.normalise({ Question: question, Complex_CoT: thinking, Response: attempt });
      if (typeof ex === 'string') return ex;
      const solution = textOf(o, 'solution');
      if (solution) ex.meta = { solution };
      return ex;
    },
  };
}

export function gsm8kAdapter(): FormatAdapter {
  return {
    format: 'gsm8k',
    fields: { question: 'user', answer: 'assistant (the reference: the number after ####)' },
    required: ['question', 'answer'],
    normalise(value) {
      const o = asObject(value);
      if (typeof o === 'string') return o;
      const question = requiredText(o, 'question');
      if (typeof question !== 'string') return question.reason;
      const answer = requiredText(o, 'answer');
      if (typeof answer !== 'string') return answer.reason;
      return {
        messages: [
          { role: 'user', content: question },
          { role: 'assistant', content: answer },
        ],
      };
    },
  };
}

export function textAdapter(): FormatAdapter {
  return {
    format: 'text',
    fields: { text: 'text (self-supervised: every token is learned)' },
    required: ['text'],
    normalise(value) {
      const o = asObject(value);
      if (typeof o === 'string') return o;
      const text = requiredText(o, 'text');
      if (typeof text !== 'string') return text.reason;
      return { text };
    },
  };
}

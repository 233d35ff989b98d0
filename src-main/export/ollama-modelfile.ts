/**
 * An Ollama Modelfile (docs: ollama/ollama docs/modelfile.md) beside an exported GGUF: FROM the
 * file, the chat template translated from the model's Hugging Face (Jinja) template into Ollama's
 * Go-template form, the stop tokens, a default SYSTEM when the HF template injects one, and the
 * sampling defaults of generation_config.json. The translation is not trusted: it is rendered with
 * our Go-template subset (go-template.ts) on probe chats and compared, character for character,
 * with the HF template's own rendering. A mismatch is exactly the "garbage in Ollama" failure.
 */
import { UserError } from '../errors';
import type { ChatMessage, ChatRenderOptions } from '../engine/tokenizer/chat-template';
import { renderGoTemplate, type GoValue } from './go-template';

/** ChatML (Qwen): one block per message; the generation prompt after a final non-assistant turn. */
export function chatMlTemplate(opts: { thinkingSwitch: boolean }): string {
  const think = opts.thinkingSwitch ? '{{ if and $.IsThinkSet (not $.Think) }}<think>\n\n</think>\n\n{{ end }}' : '';
  return [
    '{{- range $i, $_ := .Messages }}',
    '{{- $last := eq (len (slice $.Messages $i)) 1 -}}',
    '<|im_start|>{{ .Role }}',
    '{{ .Content }}{{ if not (and $last (eq .Role "assistant")) }}<|im_end|>',
    '{{ end }}',
    `{{- if and $last (ne .Role "assistant") }}<|im_start|>assistant`,
    `${think}{{ end }}`,
    '{{- end }}',
  ].join('\n');
}

export type HfRender = (messages: ChatMessage[], opts: ChatRenderOptions) => string;

export interface ModelfileInput {
  ggufFileName: string;
  hfTemplate: string | undefined;
  render: HfRender;
  stopTokens: string[];
  generationConfig: Record<string, unknown>;
  where: string;
}

export interface ModelfileResult {
  text: string;
  template?: string;
  system?: string;
  /** The chats the translated template was checked on. */
  checkedChats: number;
  thinkingSwitch: boolean;
}

/** Probe chats: system or not, one and several turns, Chinese, newlines. */
export const PROBE_CHATS: ChatMessage[][] = [
  [{ role: 'user', content: '你好' }],
  [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'Line one\nline two' },
  ],
  [
    { role: 'user', content: '类型#裤*版型#宽松' },
    { role: 'assistant', content: '这款裤子很宽松。' },
    { role: 'user', content: '再短一点。' },
  ],
];

/** What Ollama hands the template: SYSTEM becomes a first system message when the chat has none. */
export function ollamaData(messages: ChatMessage[], opts: { system?: string; think?: boolean }): GoValue {
  const msgs = messages.map((m) => ({ Role: m.role, Content: m.content }));
  if (opts.system !== undefined && messages[0]?.role !== 'system') msgs.unshift({ Role: 'system', Content: opts.system });
  return { Messages: msgs, System: opts.system ?? '', IsThinkSet: opts.think !== undefined, Think: opts.think ?? false };
}

function quoteParam(s: string): string {
  return JSON.stringify(s);
}

export function buildModelfile(input: ModelfileInput, extraChats: ChatMessage[][] = []): ModelfileResult {
  const lines = [`FROM ./${input.ggufFileName}`];
  let template: string | undefined;
  let system: string | undefined;
  let checked = 0;
  let thinkingSwitch = false;
  if (input.hfTemplate && input.hfTemplate.includes('<|im_start|>')) {
    thinkingSwitch = input.hfTemplate.includes('enable_thinking');
    template = chatMlTemplate({ thinkingSwitch });
    // A template that opens with a system block even when the chat has none (Qwen2.5) has a
    // default system prompt: Ollama's SYSTEM directive reproduces it.
    const plain = input.render([{ role: 'user', content: 'x' }], { addGenerationPrompt: true });
    const m = /^<\|im_start\|>system\n([\s\S]*?)<\|im_end\|>\n/.exec(plain);
    if (m) system = m[1];
    for (const chat of [...PROBE_CHATS, ...extraChats]) {
      const variants: { hf: ChatRenderOptions; think?: boolean }[] = [{ hf: { addGenerationPrompt: true } }];
      if (thinkingSwitch) variants.push({ hf: { addGenerationPrompt: true, enableThinking: false }, think: false });
      for (const v of variants) {
        const expected = input.render(chat, v.hf);
        const got = renderGoTemplate(template, ollamaData(chat, { system, think: v.think }));
        if (got !== expected) {
          throw new UserError(`the Ollama template does not render a ${chat.length}-message chat as the model's chat template does`, {
            where: `${input.where} (chat_template)`,
            hint: `first difference at character ${firstDifference(got, expected)}; export with --to merged and write the TEMPLATE by hand`,
          });
        }
        checked++;
      }
    }
    lines.push(`TEMPLATE """${template}"""`);
    if (system !== undefined) lines.push(`SYSTEM """${system}"""`);
  }
  const stops = [...new Set([...input.stopTokens, ...(template ? ['<|im_start|>', '<|im_end|>'] : [])])];
  for (const s of stops) lines.push(`PARAMETER stop ${quoteParam(s)}`);
  const g = input.generationConfig;
  if (g.do_sample !== false) {
    if (typeof g.temperature === 'number') lines.push(`PARAMETER temperature ${g.temperature}`);
    if (typeof g.top_p === 'number') lines.push(`PARAMETER top_p ${g.top_p}`);
    if (typeof g.top_k === 'number') lines.push(`PARAMETER top_k ${g.top_k}`);
  }
  if (typeof g.repetition_penalty === 'number') lines.push(`PARAMETER repeat_penalty ${g.repetition_penalty}`);
  return { text: lines.join('\n') + '\n', template, system, checkedChats: checked, thinkingSwitch };
}

function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

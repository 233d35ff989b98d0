/**
 * Chat templates (Jinja in `tokenizer_config.json`) rendered with @huggingface/jinja, with the
 * variables transformers' `apply_chat_template` passes: messages, add_generation_prompt,
 * enable_thinking (only when set, since templates test `enable_thinking is defined`), and the
 * special-token strings.
 */
import { Template } from '@huggingface/jinja';
import { UserError } from '../../errors';

export interface ChatMessage {
  role: string;
  content: string;
}

export interface ChatRenderOptions {
  addGenerationPrompt?: boolean;
  /** undefined: the template's default; false: Qwen3's empty `<think>` block. */
  enableThinking?: boolean;
  specialTokens?: Record<string, string>;
  /** The template's file, for messages (default: tokenizer_config.json). */
  where?: string;
}

const compiled = new Map<string, Template>();

export function renderChat(template: string, messages: ChatMessage[], opts: ChatRenderOptions = {}): string {
  let t = compiled.get(template);
  if (!t) {
    try {
      t = new Template(template);
    } catch (e) {
      throw new UserError(`the chat template does not parse: ${(e as Error).message}`, { where: opts.where ?? 'tokenizer_config.json (chat_template)', hint: 'fix the template, or use the one that came with the model' });
    }
    compiled.set(template, t);
  }
  const vars: Record<string, unknown> = { messages, add_generation_prompt: opts.addGenerationPrompt ?? false, ...opts.specialTokens };
  if (opts.enableThinking !== undefined) vars.enable_thinking = opts.enableThinking;
  return t.render(vars);
}

/** Validates a parsed messages file: an array of {role, content} strings. */
export function parseMessages(value: unknown, where: string): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new UserError('expected a non-empty JSON array of {"role","content"} messages', { where });
  }
  return value.map((m, i) => {
    const msg = m as Partial<ChatMessage>;
    if (!msg || typeof msg.role !== 'string' || typeof msg.content !== 'string') {
      throw new UserError(`message ${i + 1} needs string "role" and "content"`, { where });
    }
    return { role: msg.role, content: msg.content };
  });
}

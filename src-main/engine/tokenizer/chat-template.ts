/**
 * Chat templates (Jinja in `tokenizer_config.json` or `chat_template.jinja`) rendered with
 * @huggingface/jinja, with the variables transformers' `apply_chat_template` passes: messages,
 * add_generation_prompt, enable_thinking (only when set, since templates test `enable_thinking is
 * defined`), and the special-token strings.
 *
 * A template comes with a downloaded model, so it is untrusted code: a render is bounded in steps
 * (interpreter evaluations), in the length of any `range()`, and in the length of what it builds, and
 * stops with one UserError line instead of looping until the process runs out of memory.
 */
import { Environment, Interpreter, Template } from '@huggingface/jinja';
import { UserError } from '../errors';
import type { ChatMessage } from '../types';

// The one ChatMessage is in ../types.ts; this re-export keeps the imports from here compiling.
export type { ChatMessage } from '../types';

/** Steps a render may take: a base, plus this many per message (Qwen3's template takes ~62). */
export const TEMPLATE_STEPS_BASE = 200_000;
export const TEMPLATE_STEPS_PER_MESSAGE = 1_000;
/** The longest `range()` a template may build. */
export const TEMPLATE_MAX_RANGE = 100_000;
/** The longest string a render may build: a base plus this many times the messages' characters. */
export const TEMPLATE_OUTPUT_BASE = 1 << 20;
export const TEMPLATE_OUTPUT_PER_CHAR = 16;

class TemplateLimit extends Error {
  readonly limit = true;
}

/** The bounds of the render in progress (renders are synchronous, so one at a time); null outside ours. */
let active: { steps: number; maxChars: number } | null = null;

// Every evaluation passes through Interpreter.evaluate: counting there bounds loops, recursion through
// nested ranges and repeated doubling alike (this library has no recursive macros). Renders that are not ours (active === null) are untouched.
const evaluate = Interpreter.prototype.evaluate;
Interpreter.prototype.evaluate = function boundedEvaluate(this: Interpreter, ...args: Parameters<Interpreter['evaluate']>) {
  const bounds = active;
  if (bounds && --bounds.steps < 0) throw new TemplateLimit('the chat template runs too long (step limit reached)');
  const out = evaluate.apply(this, args);
  if (bounds && typeof out.value === 'string' && out.value.length > bounds.maxChars)
    throw new TemplateLimit(`the chat template builds a text over ${bounds.maxChars} characters`);
  return out;
};

// The library's globals are declared with Environment.set before the caller's variables, which may not
// redeclare them: so `range` is swapped for the bounded one as the globals are declared.
const declare = Environment.prototype.set;
Environment.prototype.set = function boundedSet(this: Environment, name: string, value: unknown) {
  return declare.call(this, name, active && name === 'range' ? boundedRange : value);
};

function boundedRange(start: number, stop?: number, step = 1): number[] {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0) throw new Error('range() step must not be zero');
  const n = Math.max(0, Math.ceil((to - from) / step));
  if (!Number.isFinite(n) || n > TEMPLATE_MAX_RANGE) throw new TemplateLimit(`the chat template asks for range() of ${n} numbers, over ${TEMPLATE_MAX_RANGE}`);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = from + i * step;
  return out;
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

/** Renders any roles the template accepts (a messages file may carry "tool"); datasets hold three. */
export function renderChat(template: string, messages: readonly ChatMessage<string>[], opts: ChatRenderOptions = {}): string {
  let t = compiled.get(template);
  if (!t) {
    try {
      t = new Template(template);
    } catch (e) {
      throw new UserError(`the chat template does not parse: ${(e as Error).message}`, {
        where: opts.where ?? 'tokenizer_config.json (chat_template)',
        hint: 'fix the template, or use the one that came with the model',
      });
    }
    compiled.set(template, t);
  }
  const vars: Record<string, unknown> = { messages, add_generation_prompt: opts.addGenerationPrompt ?? false, ...opts.specialTokens };
  if (opts.enableThinking !== undefined) vars.enable_thinking = opts.enableThinking;
  let chars = 0;
  for (const m of messages) chars += typeof m.content === 'string' ? m.content.length : 0;
  const outer = active;
  active = { steps: TEMPLATE_STEPS_BASE + TEMPLATE_STEPS_PER_MESSAGE * messages.length, maxChars: TEMPLATE_OUTPUT_BASE + TEMPLATE_OUTPUT_PER_CHAR * chars };
  try {
    return t.render(vars);
  } catch (e) {
    const where = opts.where ?? 'tokenizer_config.json (chat_template)';
    if (e instanceof TemplateLimit || e instanceof RangeError) {
      // RangeError: V8 refused a string or array too long, before memory ran out.
      throw new UserError(e instanceof TemplateLimit ? e.message : `the chat template fails: ${e.message}`, {
        where,
        hint: 'the template loops or grows without end: use the template that came with the original model',
      });
    }
    // Anything else the template throws is about the template or the chat it was given: raise_exception
    // (e.g. "roles must alternate user/assistant"), an undefined name, a type error in an expression.
    if (e instanceof Error) {
      throw new UserError(`the chat template refused this chat: ${e.message}`, {
        where,
        hint: 'check the chat roles and their order, or use the template that came with the model',
      });
    }
    throw e;
  } finally {
    active = outer;
  }
}

/** Validates a parsed messages file: an array of {role, content} strings. */
export function parseMessages(value: unknown, where: string): ChatMessage<string>[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new UserError('expected a non-empty JSON array of {"role","content"} messages', { where });
  }
  return value.map((m, i) => {
    const msg = m as Partial<ChatMessage<string>>;
    if (!msg || typeof msg.role !== 'string' || typeof msg.content !== 'string') {
      throw new UserError(`message ${i + 1} needs string "role" and "content"`, { where });
    }
    return { role: msg.role, content: msg.content };
  });
}

/**
 * Token ids and loss labels of one training example, from a chat or a plain text.
 *
 * `completion` (the default for chats) follows the reference recipe in ../shared/fixtures (make_goldens
 * `sft_ids_labels`): the chat is rendered whole with the model's template; for every assistant turn,
 * the render of the messages before it with the generation prompt must be a prefix of the whole, and
 * every token up to and including that generation prompt is -100. The turn's tokens are targets up
 * to the template's next turn opener (the first token of the generation prompt, e.g. `<|im_start|>`),
 * so `<|im_end|>` and the newline after it are learned and every user/system turn is masked.
 * `all` makes every token a target (self-supervised text).
 */
import type { ChatMessage } from '../types';
import { IGNORE_INDEX } from './ignore-index';
import type { LOSS_ON_CHOICES } from './train-settings';

export type LossOn = (typeof LOSS_ON_CHOICES)[number];

/** What the labeller needs from a tokenizer (TextTokenizer satisfies it). */
export interface ChatEncoder {
  encode(text: string): number[];
  renderChat(messages: ChatMessage<string>[], opts: { addGenerationPrompt?: boolean }): string;
}

export interface LabelledExample {
  ids: number[];
  /** Same length as ids: the id itself where it is a target, -100 elsewhere (unshifted, HF style). */
  labels: number[];
}

export class LabelError extends Error {}

export function labelChat(tok: ChatEncoder, messages: ChatMessage<string>[], lossOn: LossOn): LabelledExample {
  const full = tok.renderChat(messages, { addGenerationPrompt: false });
  if (lossOn === 'all') {
    const ids = tok.encode(full);
    return { ids, labels: [...ids] };
  }
  const assistant: number[] = [];
  for (let i = 0; i < messages.length; i++) if (messages[i].role === 'assistant') assistant.push(i);
  if (assistant.length === 0) throw new LabelError('the chat has no assistant turn to learn from');
  return (assistant.length > 2 ? labelByOneRender(tok, messages, full, assistant) : undefined) ?? labelByPrefixes(tok, messages, full);
}

/**
 * The reference recipe as written: one render and one encode of the prefix before every assistant turn.
 * Exact for any template, but quadratic in the number of turns (1,000 turns took 41 s); used for short
 * chats and as the fallback when the linear path cannot prove it gives the same labels.
 */
export function labelByPrefixes(
  tok: ChatEncoder,
  messages: ChatMessage<string>[],
  full = tok.renderChat(messages, { addGenerationPrompt: false }),
): LabelledExample {
  const ids = tok.encode(full);
  const labels = new Array<number>(ids.length).fill(IGNORE_INDEX);
  let turns = 0;
  for (let i = 0; i < messages.length; i++) {
    if (messages[i].role !== 'assistant') continue;
    const before = messages.slice(0, i);
    const promptText = tok.renderChat(before, { addGenerationPrompt: true });
    if (!full.startsWith(promptText)) {
      throw new LabelError(`assistant turn ${turns + 1}: the chat template does not render the conversation before it as a prefix of the whole chat`);
    }
    const promptIds = tok.encode(promptText);
    if (!sameIds(promptIds, ids, promptIds.length)) {
      throw new LabelError(`assistant turn ${turns + 1}: the prompt tokens differ from the start of the whole chat's tokens`);
    }
    const opener = turnOpener(tok, before, promptIds);
    let end = promptIds.length;
    while (end < ids.length && ids[end] !== opener) end++;
    for (let t = promptIds.length; t < end; t++) labels[t] = ids[t];
    turns++;
  }
  if (turns === 0) throw new LabelError('the chat has no assistant turn to learn from');
  return { ids, labels };
}

/**
 * The same labels in linear time, for templates that concatenate turns (ChatML, Llama 3, Qwen3...):
 * the generation prompt G is learned from the first assistant turn (render of the turns before it with
 * and without the prompt), each assistant turn's prompt then ends right after the next occurrence of G
 * in the one render of the whole chat, and the whole chat is encoded once, in segments cut at those
 * ends. Returns undefined (caller falls back to `labelByPrefixes`) unless every check holds: G occurs
 * exactly once per assistant turn, the segments' ids concatenate to the whole chat's ids, and the last
 * turn's prompt, rendered and encoded the reference way, gives the same cut.
 */
function labelByOneRender(tok: ChatEncoder, messages: ChatMessage<string>[], full: string, assistant: number[]): LabelledExample | undefined {
  const firstBefore = messages.slice(0, assistant[0]);
  const firstPrompt = tok.renderChat(firstBefore, { addGenerationPrompt: true });
  const firstBare = firstBefore.length ? tok.renderChat(firstBefore, { addGenerationPrompt: false }) : '';
  if (!firstPrompt.startsWith(firstBare) || !full.startsWith(firstPrompt)) return undefined;
  const gen = firstPrompt.slice(firstBare.length);
  if (gen === '') return undefined;
  // Character ends of every assistant prompt: one forward scan of `full`.
  const cuts: number[] = [];
  for (let at = full.indexOf(gen); at >= 0; at = full.indexOf(gen, at + gen.length)) cuts.push(at + gen.length);
  if (cuts.length !== assistant.length || cuts[0] !== firstPrompt.length) return undefined;
  const ids: number[] = [];
  const cutTokens: number[] = [];
  let from = 0;
  for (const cut of [...cuts, full.length]) {
    for (const id of tok.encode(full.slice(from, cut))) ids.push(id);
    cutTokens.push(ids.length);
    from = cut;
  }
  cutTokens.pop();
  const whole = tok.encode(full);
  if (whole.length !== ids.length || !sameIds(whole, ids, ids.length)) return undefined;
  const firstIds = tok.encode(firstPrompt);
  if (firstIds.length !== cutTokens[0] || !sameIds(firstIds, ids, firstIds.length)) return undefined;
  const lastBefore = messages.slice(0, assistant[assistant.length - 1]);
  const lastPrompt = tok.renderChat(lastBefore, { addGenerationPrompt: true });
  if (lastPrompt.length !== cuts[cuts.length - 1] || !full.startsWith(lastPrompt)) return undefined;
  const lastIds = tok.encode(lastPrompt);
  if (lastIds.length !== cutTokens[cutTokens.length - 1] || !sameIds(lastIds, ids, lastIds.length)) return undefined;
  const opener = turnOpener(tok, firstBefore, firstIds);
  if (opener !== turnOpener(tok, lastBefore, lastIds)) return undefined;
  const labels = new Array<number>(ids.length).fill(IGNORE_INDEX);
  // A turn whose start lies inside the previous turn's targets ends where that one did (same next
  // opener), so each token is visited once.
  let labelledTo = 0;
  for (const start of cutTokens) {
    if (start < labelledTo) continue;
    let t = start;
    for (; t < ids.length && ids[t] !== opener; t++) labels[t] = ids[t];
    labelledTo = t;
  }
  return { ids, labels };
}

/** A plain text for self-supervised training: every token a target, then EOS when one is known. */
export function labelText(tok: ChatEncoder, text: string, eosId?: number): LabelledExample {
  const ids = tok.encode(text);
  if (eosId !== undefined) ids.push(eosId);
  return { ids, labels: [...ids] };
}

/** First token of the generation prompt the template appends (e.g. `<|im_start|>`). */
function turnOpener(tok: ChatEncoder, before: ChatMessage<string>[], promptIds: number[]): number {
  const withoutGen = before.length ? tok.encode(tok.renderChat(before, { addGenerationPrompt: false })) : [];
  const k = sameIds(withoutGen, promptIds, withoutGen.length) ? withoutGen.length : 0;
  return promptIds[k] ?? -1;
}

function sameIds(a: number[], b: number[], n: number): boolean {
  if (a.length < n || b.length < n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

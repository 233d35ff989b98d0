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
import type { ChatMessage } from '../tokenizer/chat-template';
import { IGNORE_INDEX } from './cross-entropy';

export type LossOn = 'completion' | 'all';

/** What the labeller needs from a tokenizer (TextTokenizer satisfies it). */
export interface ChatEncoder {
  encode(text: string): number[];
  renderChat(messages: ChatMessage[], opts: { addGenerationPrompt?: boolean }): string;
}

export interface LabelledExample {
  ids: number[];
  /** Same length as ids: the id itself where it is a target, -100 elsewhere (unshifted, HF style). */
  labels: number[];
}

export class LabelError extends Error {}

export function labelChat(tok: ChatEncoder, messages: ChatMessage[], lossOn: LossOn): LabelledExample {
  const full = tok.renderChat(messages, { addGenerationPrompt: false });
  const ids = tok.encode(full);
  if (lossOn === 'all') return { ids, labels: [...ids] };
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

/** A plain text for self-supervised training: every token a target, then EOS when one is known. */
export function labelText(tok: ChatEncoder, text: string, eosId?: number): LabelledExample {
  const ids = tok.encode(text);
  if (eosId !== undefined) ids.push(eosId);
  return { ids, labels: [...ids] };
}

/** First token of the generation prompt the template appends (e.g. `<|im_start|>`). */
function turnOpener(tok: ChatEncoder, before: ChatMessage[], promptIds: number[]): number {
  const withoutGen = before.length ? tok.encode(tok.renderChat(before, { addGenerationPrompt: false })) : [];
  const k = sameIds(withoutGen, promptIds, withoutGen.length) ? withoutGen.length : 0;
  return promptIds[k] ?? -1;
}

function sameIds(a: number[], b: number[], n: number): boolean {
  if (a.length < n || b.length < n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

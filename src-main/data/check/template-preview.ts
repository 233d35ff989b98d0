/**
 * A dataset seen through a base model, for the wizard's Dataset step: lengths in that model's tokens with
 * the chat template included, exactly as training tokenizes an example (engine/train/chat-labels.ts:
 * labelChat for chats, labelText with the EOS id for plain texts), and the preview samples rendered
 * through the template with its special tokens marked. Only the tokenizer (and config.json, for the EOS
 * id) is read, never the weights; one view per model folder is cached because parsing a 150k-word
 * tokenizer.json takes about half a second to a second.
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RenderedPart, RenderedSample } from '../../../src-shared/dto/dataset-preview';
import { isChat, type Example } from '../types';
import { loadTokenizer, readModelConfig } from '../../engine-node/load-model';
import { labelChat, labelText } from '../../engine/train/chat-labels';
import type { TextTokenizer } from '../../engine/tokenizer/text-tokenizer';
import { UserError } from '../../errors';

export interface TemplateView {
  modelPath: string;
  tokenizer: TextTokenizer;
  /** Appended to plain texts by training (the model's first eos_token_id). */
  eosId: number | undefined;
  /** Tokens of one example as training feeds it, before truncation to the max length. */
  lengthOf(example: Example): number;
  /** The example as training's tokenizer sees it, cut at the special tokens. */
  render(example: Example): RenderedSample;
}

/** Few entries: a Qwen tokenizer holds tens of MB, and the wizard compares at most a couple of models. */
const CACHE_SIZE = 3;
const cache = new Map<string, TemplateView>();

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** The view of the model folder at `modelPath`; rebuilt when its tokenizer files change on disk. */
export function templateView(modelPath: string): TemplateView {
  const abs = resolve(modelPath);
  const key = `${abs}\u0000${mtime(join(abs, 'tokenizer.json'))}\u0000${mtime(join(abs, 'tokenizer_config.json'))}\u0000${mtime(join(abs, 'config.json'))}`;
  const hit = cache.get(key);
  if (hit) {
    // Map order is insertion order: re-inserting makes this the most recently used.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  for (const k of cache.keys()) if (k.startsWith(`${abs}\u0000`)) cache.delete(k);
  const view = buildView(abs);
  cache.set(key, view);
  while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return view;
}

/** For tests: how many views are held. */
export function cachedViews(): number {
  return cache.size;
}

function buildView(modelPath: string): TemplateView {
  const config = readModelConfig(modelPath);
  const tokenizer = loadTokenizer(modelPath);
  const eosId = config.eosTokenIds[0];
  const specials = new Map<number, boolean>();
  // A special token is one the decoder drops when asked to skip special tokens (<|im_start|>, <|endoftext|>).
  const isSpecial = (id: number): boolean => {
    let s = specials.get(id);
    if (s === undefined) {
      s = tokenizer.decode([id], { skipSpecialTokens: true }) === '' && tokenizer.decode([id]) !== '';
      specials.set(id, s);
    }
    return s;
  };
  const ids = (e: Example): number[] => {
    if (!isChat(e)) return labelText(tokenizer, e.text, eosId).ids;
    if (!tokenizer.chatTemplate) {
      throw new UserError('the model has no chat template, so these chats cannot be rendered for training', {
        where: join(modelPath, 'tokenizer_config.json'),
        hint: 'pick a chat model (an -Instruct or -Chat one), or use a plain-text dataset',
      });
    }
    // 'all' renders and tokenizes the chat once; the ids are the same as for completion-only loss.
    return labelChat(tokenizer, e.messages, 'all').ids;
  };
  return {
    modelPath,
    tokenizer,
    eosId,
    lengthOf: (e) => ids(e).length,
    render(e) {
      const all = ids(e);
      // Runs of ordinary tokens are decoded whole, so a character split over several byte tokens stays whole.
      const parts: RenderedPart[] = [];
      let run: number[] = [];
      const flush = () => {
        if (run.length) parts.push({ text: tokenizer.decode(run), special: false });
        run = [];
      };
      for (const id of all) {
        if (isSpecial(id)) {
          flush();
          parts.push({ text: tokenizer.decode([id]), special: true });
        } else run.push(id);
      }
      flush();
      return { text: parts.map((p) => p.text).join(''), tokens: all.length, parts };
    },
  };
}

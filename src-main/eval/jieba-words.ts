/**
 * Jieba word segmentation through `@node-rs/jieba` (jieba-rs with jieba's default dictionary), in
 * the mode Python's `jieba.cut(text)` defaults to: accurate mode with the HMM for unknown words.
 * The native module and its 5 MB dictionary load on first use only (about 0.3 s), so commands that
 * never score in jieba mode do not pay for them.
 */
import { createRequire } from 'node:module';
import type { Jieba } from '@node-rs/jieba';

let instance: Jieba | undefined;

function loadJieba(): Jieba {
  const requireCjs = createRequire(import.meta.url);
  const { Jieba: JiebaClass } = requireCjs('@node-rs/jieba') as typeof import('@node-rs/jieba');
  const { dict } = requireCjs('@node-rs/jieba/dict') as typeof import('@node-rs/jieba/dict');
  return JiebaClass.withDict(dict);
}

export function jiebaCut(text: string): string[] {
  instance ??= loadJieba();
  return instance.cut(text, true);
}

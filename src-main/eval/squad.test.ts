import assert from 'node:assert/strict';
import { test } from 'node:test';
import { squadScore, squadTokens } from './squad';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test('English: lowercase, punctuation deleted, articles dropped', () => {
  assert.deepEqual(squadTokens("The Eiffel Tower, isn't it?", 'en'), ['eiffel', 'tower', 'isnt', 'it']);
  assert.deepEqual(squadScore('The Eiffel Tower!', 'eiffel tower', 'en'), { f1: 1, em: 1 });
  const s = squadScore('in Paris, France', 'Paris', 'en'); // 1 common of 3 predicted, 1 gold
  close(s.f1, (2 * (1 / 3) * 1) / (1 / 3 + 1));
  assert.equal(s.em, 0);
});

test('Chinese: character tokens, full-width punctuation removed, Latin runs kept whole', () => {
  assert.deepEqual(squadTokens('GPT-4 模型。', 'zh'), ['gpt4', '模', '型']);
  assert.deepEqual(squadScore('北京大学。', '北京大学', 'zh'), { f1: 1, em: 1 });
  const s = squadScore('在北京', '北京大学', 'zh'); // common 北 京: P 2/3, R 2/4
  close(s.f1, (2 * (2 / 3) * 0.5) / (2 / 3 + 0.5));
  assert.equal(s.em, 0);
  assert.deepEqual(squadScore('完全不同', '毫无关系', 'zh'), { f1: 0, em: 0 });
});

test('empty after normalisation: both empty is a match, one empty scores 0', () => {
  assert.deepEqual(squadScore('。', '！', 'zh'), { f1: 1, em: 1 });
  assert.deepEqual(squadScore('', '答案', 'zh'), { f1: 0, em: 0 });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinReward, extractAnswer, normaliseAnswer, referenceAnswer, scoreCompletion } from './rewards';

const ex = (answer: string) => ({ answer });

test('format: <think>…</think> then <answer>…</answer>, and a configurable pattern', () => {
  const f = builtinReward('format');
  assert.equal(f.score({ prompt: '', completion: '<think>a\nb</think>\n<answer>42</answer>', example: {} }), 1);
  assert.equal(f.score({ prompt: '', completion: '<answer>42</answer>', example: {} }), 0);
  assert.equal(f.score({ prompt: '', completion: '<think>x</think> 42', example: {} }), 0);
  const own = builtinReward('format', { formatPattern: /^<think>[\s\S]*<\/think>\s*\\boxed\{.+\}$/ });
  assert.equal(own.score({ prompt: '', completion: '<think>x</think> \\boxed{7}', example: {} }), 1);
});

test('GSM8K references and normalised numbers: commas, trailing .0, $, whitespace', () => {
  assert.equal(referenceAnswer('Natalia sold 48/2 = <<48/2=24>>24 clips.\n#### 1,072'), ' 1,072');
  assert.equal(normaliseAnswer(' 1,072 '), '1072');
  assert.equal(normaliseAnswer('42.0'), '42');
  assert.equal(normaliseAnswer('$18'), '18');
  assert.equal(normaliseAnswer('  Paris   France. '), 'paris france');
  assert.equal(extractAnswer('<think>..</think><answer> 1,072 </answer>'), ' 1,072 ');
  assert.equal(extractAnswer('<think>so 5</think> 7'), ' 7');
  assert.equal(extractAnswer('it is 3 then 12.5'), '12.5');
  assert.equal(extractAnswer('no number'), undefined);
});

test('correct: exact match on the extracted answer after normalisation', () => {
  const c = builtinReward('correct');
  assert.equal(c.score({ prompt: '', completion: '<think>…</think><answer>1072.0</answer>', example: ex('work\n#### 1,072') }), 1);
  assert.equal(c.score({ prompt: '', completion: '<answer>1073</answer>', example: ex('#### 1072') }), 0);
  assert.equal(c.score({ prompt: '', completion: '<answer>Blue</answer>', example: ex('blue') }), 1);
  assert.equal(c.score({ prompt: '', completion: '<answer>1</answer>', example: {} }), 0);
});

test('length: 1 up to the target, linear to 0 at twice it', () => {
  const l = builtinReward('length', { lengthTarget: 10 });
  assert.equal(l.score({ prompt: '', completion: 'x'.repeat(10), example: {} }), 1);
  assert.equal(l.score({ prompt: '', completion: 'x'.repeat(15), example: {} }), 0.5);
  assert.equal(l.score({ prompt: '', completion: 'x'.repeat(30), example: {} }), 0);
});

test('scoreCompletion sums the functions; one that throws scores 0 with its reason', async () => {
  const reasons: string[] = [];
  const boom = {
    name: 'boom',
    score: () => {
      throw new Error('bad');
    },
  };
  const s = await scoreCompletion(
    [builtinReward('format'), builtinReward('correct'), boom],
    { prompt: '', completion: '<think>a</think><answer>4</answer>', example: ex('#### 4') },
    (n, w) => reasons.push(`${n}: ${w}`),
  );
  assert.deepEqual(s, { total: 2, parts: { format: 1, correct: 1, boom: 0 } });
  assert.deepEqual(reasons, ['boom: bad']);
});
